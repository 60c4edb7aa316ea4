import { threadsFromEnv } from '../threads-env.js';

/** The environment variable that sets the cpu worker pool's thread count. */
export const THREADS_ENV_VAR = 'MTA_CPU_THREADS';

/** Threads for the cpu worker pool: MTA_CPU_THREADS when set (a whole number >= 1), else every core; read when the pool starts. */
export function cpuThreadsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): number {
  return threadsFromEnv(THREADS_ENV_VAR, 'keeps every call on the calling thread', env);
}
