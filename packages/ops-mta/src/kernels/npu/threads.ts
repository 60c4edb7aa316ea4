import { setNpuCorePool } from '@mta/device-npu';
import { poolStarter } from '../pool-workers.js';
import { threadsFromEnv } from '../threads-env.js';
import { NpuThreadPool } from './pool.js';

/** The environment variable that sets the npu simulator's thread count (1: every launch on the calling thread). */
export const NPU_THREADS_ENV_VAR = 'MTA_NPU_THREADS';

/** Threads for the npu simulator: MTA_NPU_THREADS when set (a whole number >= 1), else every core. */
export function npuThreadsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): number {
  return threadsFromEnv(NPU_THREADS_ENV_VAR, 'runs every simulated core on the calling thread', env);
}

const startPool = poolStarter((threads) => NpuThreadPool.create({ threads }), setNpuCorePool);

/**
 * Node only: starts, once, the thread pool the npu device's simulator runs the MTA band kernels' cores on
 * (the counters, outputs and errors are the sequential simulator's; device-npu's parallel.ts says how).
 * Until it is ready, and when it fails to start, launches run sequentially.
 */
export function startMtaNpuThreads(threads = npuThreadsFromEnv()): Promise<NpuThreadPool | null> {
  return startPool(threads);
}
