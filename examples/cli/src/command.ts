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

/** Exit codes of every command: scripts tell a failed check from a mistyped flag. */
export const EXIT_OK = 0;
/** A check failed, a plan overflows, a file would be overwritten, or the work itself failed. */
export const EXIT_FAILURE = 1;
/** The command line is wrong (unknown command or flag, a bad value): thrown as a UsageError. */
export const EXIT_USAGE = 2;

/** Paths given on the command line are relative to where the user ran pnpm, not to the package. */
export function userPath(p: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), p);
}

/**
 * A manifest with no cases would print "0 passed, 0 failed" and exit 0, which a script reads as success:
 * it is refused instead (runCli prints the message and exits 1).
 */
export function requireCases(manifestPath: string, cases: number): void {
  if (cases === 0) throw new Error(`${manifestPath}: the manifest holds no cases, so there is nothing to check; give a manifest with at least one case`);
}

/** Whether progress may be drawn: on stderr, and only when it is a terminal (logs and pipes get results only). */
export function progressWanted(): boolean {
  return process.stderr.isTTY === true;
}
