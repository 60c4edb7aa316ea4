import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from '@mta/core';

/** The environment variable that sets the cpu worker pool's thread count. */
export const THREADS_ENV_VAR = 'MTA_CPU_THREADS';

/**
 * Threads for the cpu worker pool: MTA_CPU_THREADS when set (a whole number >= 1), else every core. A value
 * that is not a whole number used to become NaN and silently disable the pool; it is refused with a named
 * error instead, when the pool starts (the one place that reads it).
 */
export function cpuThreadsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raw = env[THREADS_ENV_VAR];
  if (raw === undefined || raw.trim() === '') return availableParallelism();
  const threads = Number(raw.trim());
  if (!Number.isSafeInteger(threads) || threads < 1) {
    throw new InvalidArgumentError(
      `environment variable ${THREADS_ENV_VAR}`,
      'a whole number of threads >= 1 (1 keeps every call on the calling thread)',
      JSON.stringify(raw),
      `set it to e.g. ${availableParallelism()} (this machine's cores) or unset it`,
    );
  }
  return threads;
}
