import { poolStarter } from '../pool-workers.js';
import { MtaCpuPool } from './pool.js';
import { useMtaCpuPool } from './register.js';
import { cpuThreadsFromEnv } from './threads-env.js';

const startPool = poolStarter((threads) => MtaCpuPool.create({ threads }), useMtaCpuPool);

/**
 * Node only (worker_threads): starts, once, the pool of MTA_CPU_THREADS threads (default: all cores)
 * that large cpu MTA calls join once it is ready. MTA_CPU_THREADS=1 keeps everything on one thread.
 * A malformed MTA_CPU_THREADS throws an InvalidArgumentError here, synchronously.
 * A pool that fails to start leaves the kernels single-threaded rather than failing the program.
 */
export function startMtaCpuThreads(threads = cpuThreadsFromEnv()): Promise<MtaCpuPool | null> {
  return startPool(threads);
}
