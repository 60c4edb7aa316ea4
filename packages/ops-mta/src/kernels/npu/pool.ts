import { availableParallelism } from 'node:os';
import { receiveMessageOnPort } from 'node:worker_threads';
import type { NpuCoreJob, NpuCorePool, NpuCoreResult } from '@mta/device-npu';
import { type PoolWorkers, closePoolWorkers, postJob, startPoolWorkers, watchPoolWorkers } from '../pool-workers.js';
import { CONTROL_INTS, CORES, DONE, NEXT, NPU_WAKE_WORDS, type NpuWorkerReply, STOPPED, claimedCore } from './pool-protocol.js';

export interface NpuThreadPoolOptions {
  /** Threads working on a launch, the calling thread included. Default: available cores. */
  readonly threads?: number;
  /** A launch whose workers have not finished after this long fails instead of blocking forever. Default 10 minutes. */
  readonly timeoutMs?: number;
  /**
   * Whether the calling thread runs cores too (default true). Tests set false so that every core runs on a
   * worker and a comparison with the sequential simulator cannot pass on the caller's work alone.
   */
  readonly callerWorks?: boolean;
}

/**
 * worker_threads for the npu simulator's parallel launches (device-npu's parallel.ts): an `NpuCorePool` whose
 * workers run the MTA band kernels' cores by name (npu-worker-entry.ts). Synchronous like the simulator:
 * `start` posts the launch on each worker's channel and wakes the workers (pool-workers.ts), the caller claims
 * and runs cores too, `finish` blocks in Atomics.wait until every worker has reported and reads their replies with receiveMessageOnPort (no event-loop turn needed). Node allows
 * Atomics.wait on the main thread; browsers do not, so this is Node only.
 */
export class NpuThreadPool implements NpuCorePool {
  private broken: string | null = null;

  private constructor(
    /** The workers and the caller's end of each one's channel: launches go out on it, replies come back on it. */
    private readonly pool: PoolWorkers,
    private readonly control: Int32Array,
    private readonly timeoutMs: number,
    private readonly callerWorks: boolean,
  ) {
    watchPoolWorkers(pool, (reason) => { this.broken ??= reason; });
  }

  static async create(options: NpuThreadPoolOptions = {}): Promise<NpuThreadPool> {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`NpuThreadPool.create: threads: expected an integer >= 1, got ${threads}.`);
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_INTS * 4));
    const pool = await startPoolWorkers(import.meta.url, './npu-worker-entry', 'NpuThreadPool.create', threads - 1, (k) => ({ control, index: k }));
    return new NpuThreadPool(pool, control, options.timeoutMs ?? 600_000, options.callerWorks ?? true);
  }

  get threads(): number {
    return this.pool.workers.length + 1;
  }

  start(job: NpuCoreJob): void {
    if (this.broken !== null) throw new Error(`NpuThreadPool: the pool is unusable (${this.broken})`);
    const c = this.control;
    Atomics.store(c, NEXT, 0);
    Atomics.store(c, CORES, job.cores);
    Atomics.store(c, DONE, 0);
    // A job that does not clone throws here, on the first worker, before any worker has it.
    postJob(c, NPU_WAKE_WORDS, this.pool, job);
  }

  claim(): number {
    if (!this.callerWorks) return -1;
    const k = Atomics.add(this.control, NEXT, 1);
    return claimedCore(k, Atomics.load(this.control, CORES));
  }

  stop(): void {
    Atomics.store(this.control, NEXT, STOPPED);
  }

  finish(): { results: NpuCoreResult[]; error: string | null } {
    const c = this.control;
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const done = Atomics.load(c, DONE);
      if (done >= this.pool.workers.length) break;
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(c, DONE, done, left) === 'timed-out') {
        this.broken = 'a launch timed out';
        throw new Error(`NpuThreadPool: workers did not finish a launch within ${this.timeoutMs} ms; the pool is now unusable.`);
      }
    }
    const results: NpuCoreResult[] = [];
    let error: string | null = null;
    for (const port of this.pool.ports) {
      // Each worker posted its reply before counting itself done.
      const reply = receiveMessageOnPort(port)?.message as NpuWorkerReply | undefined;
      if (reply === undefined) error ??= 'a worker reported done without a reply';
      else if (reply.error !== null) error ??= reply.error;
      else results.push(...reply.results);
    }
    return { results, error };
  }

  async close(): Promise<void> {
    this.broken ??= 'closed';
    await closePoolWorkers(this.control, NPU_WAKE_WORDS, this.pool);
  }
}
