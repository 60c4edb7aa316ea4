import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** One subcommand of `pnpm mta`. run() returns the process exit code. */
export interface Command {
  readonly summary: string;
  readonly help: string;
  run(argv: string[]): Promise<number>;
}

/** A user error: printed as one line without a stack. */
export class CliError extends Error {}

export function parseCommandArgs<T extends Options>(argv: string[], options: T, help: string): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${help}`);
  }
}

/** Paths given on the command line are relative to where the user ran pnpm, not to the package. */
export function userPath(p: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), p);
}

/** Parses '192KiB', '16 KiB', '1MiB', '65536' (bytes). */
export function parseBytes(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KiB|KB|K|MiB|MB|M)?\s*$/i.exec(text);
  if (!m) throw new CliError(`${what}: expected a size like 192KiB, 16KiB or 196608, got '${text}'`);
  const unit = (m[2] ?? 'B').toLowerCase();
  const scale = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
  return Math.round(Number(m[1]) * scale);
}
