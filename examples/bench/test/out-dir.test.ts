import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../src/args';
import { checkOutDir, freshRunDir } from '../src/out-dir';
import type { BenchBackendEntry } from '../src/types';

/** `pnpm bench` never replaces the committed bench/results.json by default, and --out only with --force. */
const NO_BACKENDS: readonly BenchBackendEntry[] = [];
const COMMITTED = resolve(import.meta.dirname, '../../../bench');

describe('bench output directory', () => {
  let caller = '';
  let initCwd: string | undefined;
  beforeAll(() => {
    caller = mkdtempSync(join(tmpdir(), 'mta-bench-out-'));
    initCwd = process.env['INIT_CWD'];
    process.env['INIT_CWD'] = caller;
  });
  afterAll(() => {
    if (initCwd === undefined) delete process.env['INIT_CWD'];
    else process.env['INIT_CWD'] = initCwd;
    rmSync(caller, { recursive: true, force: true });
  });

  it('defaults to a fresh runs/bench/<time> under the caller, never the committed bench/', () => {
    const { outDir, force } = parseBenchArgs([], NO_BACKENDS);
    expect(outDir.startsWith(join(caller, 'runs', 'bench'))).toBe(true);
    expect(outDir).not.toBe(COMMITTED);
    expect(force).toBe(false);
    const now = new Date('2026-01-02T03:04:05.678Z');
    const first = freshRunDir(now, caller);
    expect(first).toBe(join(caller, 'runs/bench/2026-01-02T03-04-05Z'));
    mkdirSync(first, { recursive: true });
    expect(freshRunDir(now, caller)).toBe(`${first}-2`);
  });

  it('resolves --out against the caller, and refuses a directory with results unless --force', () => {
    const { outDir } = parseBenchArgs(['--out', 'mine'], NO_BACKENDS);
    expect(outDir).toBe(join(caller, 'mine'));
    expect(() => checkOutDir(outDir, false)).not.toThrow(); // missing: created when written
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'results.json'), '{}');
    expect(() => checkOutDir(outDir, false)).toThrow(/holds earlier results \(results\.json\); pass --force/);
    expect(() => checkOutDir(outDir, parseBenchArgs(['--out', 'mine', '--force'], NO_BACKENDS).force)).not.toThrow();
  });
});
