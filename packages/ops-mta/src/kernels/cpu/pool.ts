import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { cpuArena } from '@mta/device-cpu';
import { runJobItem, type MtaJob } from './job.js';
import {
  CONTROL_INTS, CPU_WAKE_WORDS, ERROR_LENGTH, NEXT_ITEM, STOP_ITEMS, WORKERS_DONE, WORKER_ITEMS, drainItems,
  readControlError,
} from './pool-protocol.js';
import type { WasmMemory } from './wasm-rows-f32.js';
import { workerSource } from '../worker-source.js';
import { closeWorkers, postJob } from '../worker-wake.js';

export interface MtaCpuPoolOptions {
  /** Threads working on a call, the calling thread included (it works too). Default: available cores. */
  readonly threads?: number;
  /** A call that has not finished after this long fails instead of blocking forever. Default 10 minutes. */
  readonly timeoutMs?: number;
  /**
   * Whether the calling thread works on items too (default true). Tests set false so that every item runs
   * on a worker and a bit-identity check cannot pass on the caller's work alone.
   */
  readonly callerWorks?: boolean;
}

/**
 * worker_threads helpers for the fused kernels. `run` is synchronous: the caller posts the job on every
 * worker's port (its arrays must live in SharedArrayBuffers) and wakes the workers through the control
 * block (pool-protocol.ts), works on items itself, then blocks in Atomics.wait until every worker has
 * reported. Node allows Atomics.wait on the main thread; browsers do not.
 * Every worker is handed the cpu arena's shared WebAssembly.Memory when it starts (and its index), so the
 * float32 loops on every thread work on the maps the cpu device keeps there, in place.
 */
export class MtaCpuPool {
  private broken: string | null = null;

  private constructor(
    private readonly workers: readonly Worker[],
    /** The caller's end of each worker's job channel. */
    private readonly jobPorts: readonly MessagePort[],
    private readonly control: Int32Array,
    private readonly timeoutMs: number,
    private readonly callerWorks: boolean,
    /** The arena memory every worker's float32 loops use (null: none; jobs then stage every row). */
    readonly arenaMemory: WasmMemory | null,
  ) {
    for (const worker of workers) {
      worker.on('error', (error) => { this.broken ??= `a worker failed: ${error.message}`; });
      worker.on('exit', (code) => { this.broken ??= `a worker exited (code ${code})`; });
    }
  }

  static async create(options: MtaCpuPoolOptions = {}): Promise<MtaCpuPool> {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) {
      throw new Error(`MtaCpuPool.create: threads: expected an integer >= 1, got ${threads}.`);
    }
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_INTS * 4));
    const memory = cpuArena.memory;
    const source = workerSource(import.meta.url, './worker-entry', 'MtaCpuPool.create');
    const workers: Worker[] = [];
    const jobPorts: MessagePort[] = [];
    try {
      for (let k = 1; k < threads; k++) {
        const { port1, port2 } = new MessageChannel();
        jobPorts.push(port1);
        workers.push(new Worker(source.code, { eval: source.evalCode, workerData: { control, memory, index: k, jobs: port2 }, transferList: [port2] }));
      }
      await Promise.all(workers.map((worker) => new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`MtaCpuPool.create: worker exited with code ${code} before it was ready.`)));
      })));
    } catch (error) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      for (const jobPort of jobPorts) jobPort.close();
      throw error;
    }
    // Idle workers must not keep the process alive.
    for (const worker of workers) worker.unref();
    for (const jobPort of jobPorts) jobPort.unref();
    return new MtaCpuPool(workers, jobPorts, control, options.timeoutMs ?? 600_000, options.callerWorks ?? true, memory);
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** Items the workers (not the calling thread) have run since the pool started. */
  get workerItems(): number {
    return Atomics.load(this.control, WORKER_ITEMS);
  }

  /** Runs every item of the job on the pool and the calling thread; returns when all are done. */
  run(job: MtaJob): void {
    if (this.broken !== null) throw new Error(`MtaCpuPool.run: the pool is unusable (${this.broken}). Create a new pool.`);
    const control = this.control;
    Atomics.store(control, NEXT_ITEM, 0);
    Atomics.store(control, WORKERS_DONE, 0);
    Atomics.store(control, ERROR_LENGTH, 0);
    postJob(control, CPU_WAKE_WORDS, this.jobPorts, job);
    let callerError: unknown = null;
    try {
      if (this.callerWorks || this.workers.length === 0) drainItems(control, job.plan.items.length, (item) => runJobItem(job, item));
    } catch (error) {
      callerError = error;
      Atomics.store(control, NEXT_ITEM, STOP_ITEMS);
    }
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const done = Atomics.load(control, WORKERS_DONE);
      if (done >= this.workers.length) break;
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(control, WORKERS_DONE, done, left) === 'timed-out') {
        this.broken = 'a call timed out';
        throw new Error(`MtaCpuPool.run: workers did not finish within ${this.timeoutMs} ms; the pool is now unusable.`);
      }
    }
    if (callerError !== null) throw callerError;
    const workerError = readControlError(control);
    if (workerError !== null) throw new Error(`MtaCpuPool.run: a worker failed: ${workerError}`);
  }

  async close(): Promise<void> {
    this.broken ??= 'closed';
    closeWorkers(this.control, CPU_WAKE_WORDS);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    for (const jobPort of this.jobPorts) jobPort.close();
  }
}
