import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from '@mta/core';
import { setNpuCorePool } from '@mta/device-npu';
import { NpuThreadPool } from './pool.js';

/** The environment variable that sets the npu simulator's thread count (1: every launch on the calling thread). */
export const NPU_THREADS_ENV_VAR = 'MTA_NPU_THREADS';

/** Threads for the npu simulator: MTA_NPU_THREADS when set (a whole number >= 1), else every core. */
export function npuThreadsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raw = env[NPU_THREADS_ENV_VAR];
  if (raw === undefined || raw.trim() === '') return availableParallelism();
  const threads = Number(raw.trim());
  if (!Number.isSafeInteger(threads) || threads < 1) {
    throw new InvalidArgumentError(
      `environment variable ${NPU_THREADS_ENV_VAR}`,
      'a whole number of threads >= 1 (1 runs every simulated core on the calling thread)',
      JSON.stringify(raw),
      `set it to e.g. ${availableParallelism()} (this machine's cores) or unset it`,
    );
  }
  return threads;
}

let poolStarting: Promise<NpuThreadPool | null> | null = null;

/**
 * Node only: starts, once, the thread pool the npu device's simulator runs the MTA band kernels' cores on
 * (the counters, outputs and errors are the sequential simulator's; device-npu's parallel.ts says how).
 * Until it is ready, and when it fails to start, launches run sequentially.
 */
export function startMtaNpuThreads(threads = npuThreadsFromEnv()): Promise<NpuThreadPool | null> {
  if (!poolStarting) {
    poolStarting = threads > 1
      ? NpuThreadPool.create({ threads }).then((pool) => { setNpuCorePool(pool); return pool; }, () => null)
      : Promise.resolve(null);
  }
  return poolStarting;
}
