import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Where `pnpm bench` writes. By default a fresh directory per run (runs/bench/<UTC time>, runs/ is not
 * committed), so a run never replaces the committed bench/results.json; `--out DIR` names one instead,
 * and a DIR holding earlier results is kept unless `--force`. Relative paths resolve against the
 * directory pnpm was run from (INIT_CWD), not the package's.
 */
export const RESULT_FILES = ['results.json', 'mta-time.svg', 'mta-ratio.svg'] as const;

export function callerDir(): string {
  return process.env['INIT_CWD'] ?? process.cwd();
}

/** A directory under runs/bench that does not exist yet. */
export function freshRunDir(now = new Date(), base = callerDir()): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  let dir = resolve(base, 'runs/bench', stamp);
  for (let k = 2; existsSync(dir); k++) dir = resolve(base, 'runs/bench', `${stamp}-${k}`);
  return dir;
}

/** Throws, naming the files, when `dir` holds results of an earlier run and `force` is not set. */
export function checkOutDir(dir: string, force: boolean): void {
  const earlier = RESULT_FILES.filter((f) => existsSync(join(dir, f)));
  if (earlier.length > 0 && !force) {
    throw new Error(`--out ${dir} holds earlier results (${earlier.join(', ')}); pass --force to overwrite them, or leave --out out for a fresh directory`);
  }
}
