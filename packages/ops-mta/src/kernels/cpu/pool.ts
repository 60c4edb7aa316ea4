import { availableParallelism } from 'node:os';
import { cpuArena } from '@mta/device-cpu';
import { runJobItem, type MtaJob } from './job.js';
import {
  CONTROL_INTS, CPU_WAKE_WORDS, ERROR_LENGTH, NEXT_ITEM, STOP_ITEMS, WORKERS_DONE, WORKER_ITEMS, drainItems,
  readControlError,
} from './pool-protocol.js';
import type { WasmMemory } from './wasm-rows-f32.js';
import { type PoolWorkers, closePoolWorkers, postJob, startPoolWorkers, watchPoolWorkers } from '../pool-workers.js';

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
    private readonly pool: PoolWorkers,
    private readonly control: Int32Array,
    private readonly timeoutMs: number,
    private readonly callerWorks: boolean,
    /** The arena memory every worker's float32 loops use (null: none; jobs then stage every row). */
    readonly arenaMemory: WasmMemory | null,
  ) {
    watchPoolWorkers(pool, (reason) => { this.broken ??= reason; });
  }

  static async create(options: MtaCpuPoolOptions = {}): Promise<MtaCpuPool> {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) {
      throw new Error(`MtaCpuPool.create: threads: expected an integer >= 1, got ${threads}.`);
    }
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_INTS * 4));
    const memory = cpuArena.memory;
    // Worker k + 1: index 0 is the calling thread's (its scratch block in the arena).
    const pool = await startPoolWorkers(import.meta.url, './worker-entry', 'MtaCpuPool.create', threads - 1, (k) => ({ control, memory, index: k + 1 }));
    return new MtaCpuPool(pool, control, options.timeoutMs ?? 600_000, options.callerWorks ?? true, memory);
  }

  get threads(): number {
    return this.pool.workers.length + 1;
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
    postJob(control, CPU_WAKE_WORDS, this.pool, job);
    let callerError: unknown = null;
    try {
      if (this.callerWorks || this.pool.workers.length === 0) drainItems(control, job.plan.items.length, (item) => runJobItem(job, item));
    } catch (error) {
      callerError = error;
      Atomics.store(control, NEXT_ITEM, STOP_ITEMS);
    }
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const done = Atomics.load(control, WORKERS_DONE);
      if (done >= this.pool.workers.length) break;
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
    await closePoolWorkers(this.control, CPU_WAKE_WORDS, this.pool);
  }
}
