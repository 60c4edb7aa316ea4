import { resolve } from 'node:path';

/**
 * One subcommand of `pnpm mta`. run() returns the process exit code. Flags are read with parseFlags from
 * @mta/args (the one parser of every command); `--help` is answered by main.ts before run() is called.
 */
export interface Command {
  readonly summary: string;
  readonly help: string;
  run(argv: readonly string[]): Promise<number>;
}

/** Paths given on the command line are relative to where the user ran pnpm, not to the package. */
export function userPath(p: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), p);
}
