import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A bench tool's entry: runs `main` and exits the process (0, or 1 after printing the error). Tools that
 * hold a GPU device exit explicitly: Dawn's instance would otherwise keep Node alive.
 */
export function runTool(main: () => Promise<void>): void {
  main().then(() => process.exit(0), (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

/** Writes `value` as indented JSON to `dir/file`, creating `dir`. */
export function writeJson(dir: string, file: string, value: unknown): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, file), `${JSON.stringify(value, null, 2)}\n`);
}
