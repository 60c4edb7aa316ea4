import type { MessagePort } from 'node:worker_threads';
import { receiveMessageOnPort } from 'node:worker_threads';

/**
 * How the cpu and npu thread pools hand a job to their idle workers. A worker sleeps in Atomics.wait on a
 * generation word of the pool's control block (a futex) and, woken, takes the job from its port with
 * receiveMessageOnPort: no event-loop turn stands between the wake and the work. A 'message' event instead
 * waits for the worker's event loop to turn, about 0.1 ms per job, which a small call feels (the cpu
 * kernel's forward + backward at L = 256 took 2.3-2.6 ms that way, 1.4-1.5 ms this way).
 */
export interface WakeWords {
  /** The control block's index of the job generation the workers sleep on. */
  readonly generation: number;
  /** The index of the word set to 1 when the pool closes. */
  readonly closed: number;
}

/** Caller: posts the job on every worker's port, then wakes them. The job is on the port before the wake. */
export function postJob(control: Int32Array, words: WakeWords, ports: readonly MessagePort[], job: unknown): void {
  for (const port of ports) port.postMessage(job);
  Atomics.add(control, words.generation, 1);
  Atomics.notify(control, words.generation);
}

/** Caller: makes every worker leave its wait loop (before the workers are terminated). */
export function closeWorkers(control: Int32Array, words: WakeWords): void {
  Atomics.store(control, words.closed, 1);
  Atomics.add(control, words.generation, 1);
  Atomics.notify(control, words.generation);
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
