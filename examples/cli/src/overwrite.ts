import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';

/** Refused to overwrite: the command exits 1 and names the file and `--force`. */
export class OverwriteError extends Error {
  override readonly name = 'OverwriteError';
}

/** Throws unless `path` is free or `force` was given. `what` names the file for the message. */
export function refuseOverwrite(path: string, force: boolean, what: string): void {
  if (!force && existsSync(path)) throw new OverwriteError(`${what} ${path} exists; pass --force to overwrite it`);
}

/** The same file, through symlinks and `..`: writing one destroys the other. */
export function sameFile(a: string, b: string): boolean {
  const real = (p: string): string => (existsSync(p) ? realpathSync(p) : resolve(p));
  return real(a) === real(b);
}
