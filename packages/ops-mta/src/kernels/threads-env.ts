import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from '@mta/core';

/**
 * A worker pool's thread count from an environment variable: a whole number >= 1 when set, else every core.
 * A value that is not a whole number is refused with a named error (it used to become NaN and silently
 * disable the pool). `oneMeans` says what 1 does, for the message.
 */
export function threadsFromEnv(variable: string, oneMeans: string, env: Readonly<Record<string, string | undefined>>): number {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return availableParallelism();
  const threads = Number(raw.trim());
  if (!Number.isSafeInteger(threads) || threads < 1) {
    throw new InvalidArgumentError(
      `environment variable ${variable}`,
      `a whole number of threads >= 1 (1 ${oneMeans})`,
      JSON.stringify(raw),
      `set it to e.g. ${availableParallelism()} (this machine's cores) or unset it`,
    );
  }
  return threads;
}
