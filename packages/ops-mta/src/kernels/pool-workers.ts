import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { workerSource } from './worker-source.js';

/**
 * The worker plumbing the cpu and npu thread pools share: starting the workers, handing them jobs, closing
 * them. Each worker gets one channel: jobs go out on it, replies (the npu pool's) come back on it.
 *
 * Jobs reach idle workers by futex: a worker sleeps in Atomics.wait on a generation word of the pool's
 * control block and, woken, takes the job from its port with receiveMessageOnPort, so no event-loop turn
 * stands between the wake and the work. A 'message' event instead waits for the worker's event loop to turn,
 * about 0.1 ms per job, which a small call feels (the cpu kernel's forward + backward at L = 256 took
 * 2.3-2.6 ms that way, 1.4-1.5 ms this way).
 */
export interface WakeWords {
  /** The control block's index of the job generation the workers sleep on. */
  readonly generation: number;
  /** The index of the word set to 1 when the pool closes. */
  readonly closed: number;
}

/** A pool's started workers and the caller's end of each one's channel. */
export interface PoolWorkers {
  readonly workers: readonly Worker[];
  readonly ports: readonly MessagePort[];
}

/**
 * Caller: starts `count` workers of the entry module `entry` (relative to `from`, the pool's import.meta.url),
 * worker k with `data(k)` and its end of the channel as `port` in its workerData, and waits until each has
 * posted that it is ready. On failure every started worker is terminated. Idle workers and their channels do
 * not keep the process alive.
 */
export async function startPoolWorkers(
  from: string, entry: string, who: string, count: number, data: (k: number) => Record<string, unknown>,
): Promise<PoolWorkers> {
  const source = workerSource(from, entry, who);
  const workers: Worker[] = [];
  const ports: MessagePort[] = [];
  try {
    for (let k = 0; k < count; k++) {
      const { port1, port2 } = new MessageChannel();
      ports.push(port1);
      workers.push(new Worker(source.code, { eval: source.evalCode, workerData: { ...data(k), port: port2 }, transferList: [port2] }));
    }
    await Promise.all(workers.map((worker) => new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`${who}: worker exited with code ${code} before it was ready.`)));
    })));
  } catch (error) {
    await closePorts({ workers, ports });
    throw error;
  }
  for (const worker of workers) worker.unref();
  for (const port of ports) port.unref();
  return { workers, ports };
}

/** Caller: reports the first worker that fails or exits, once, as the reason the pool is unusable. */
export function watchPoolWorkers(pool: PoolWorkers, broken: (reason: string) => void): void {
  for (const worker of pool.workers) {
    worker.on('error', (error) => broken(`a worker failed: ${error.message}`));
    worker.on('exit', (code) => broken(`a worker exited (code ${code})`));
  }
}

/** Caller: posts the job on every worker's port, then wakes them. The job is on the port before the wake. */
export function postJob(control: Int32Array, words: WakeWords, pool: PoolWorkers, job: unknown): void {
  for (const port of pool.ports) port.postMessage(job);
  Atomics.add(control, words.generation, 1);
  Atomics.notify(control, words.generation);
}

/** Caller: makes every worker leave its wait loop, then terminates the workers and closes their channels. */
export async function closePoolWorkers(control: Int32Array, words: WakeWords, pool: PoolWorkers): Promise<void> {
  Atomics.store(control, words.closed, 1);
  Atomics.add(control, words.generation, 1);
  Atomics.notify(control, words.generation);
  await closePorts(pool);
}

async function closePorts(pool: PoolWorkers): Promise<void> {
  await Promise.all(pool.workers.map((worker) => worker.terminate()));
  for (const port of pool.ports) port.close();
}

/**
 * Worker: runs `run` on each job posted with postJob, in order, until the pool closes. It blocks the worker's
 * thread for good, so the worker posts 'ready' first and starts this from setImmediate (the module loader
 * awaits the entry module's evaluation).
 */
export function serveJobs<Job>(control: Int32Array, words: WakeWords, port: MessagePort, run: (job: Job) => void): void {
  let seen = Atomics.load(control, words.generation);
  for (;;) {
    Atomics.wait(control, words.generation, seen);
    if (Atomics.load(control, words.closed) !== 0) return;
    const generation = Atomics.load(control, words.generation);
    if (generation === seen) continue;
    seen = generation;
    const received = receiveMessageOnPort(port);
    if (received === undefined) throw new Error(`pool worker: job generation ${generation} has no job on the port.`);
    run(received.message as Job);
  }
}

/**
 * A starter for a process-wide pool: creates it once, on the first call with threads > 1, and hands it to
 * `use`. Every later call returns the same promise. A pool that fails to start resolves to null, and the
 * kernels then stay on the calling thread rather than failing the program.
 */
export function poolStarter<P>(create: (threads: number) => Promise<P>, use: (pool: P) => void): (threads: number) => Promise<P | null> {
  let starting: Promise<P | null> | null = null;
  return (threads) => {
    starting ??= threads > 1 ? create(threads).then((pool) => { use(pool); return pool; }, () => null) : Promise.resolve(null);
    return starting;
  };
}
