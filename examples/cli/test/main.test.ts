import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** `pnpm mta` as a user runs it: a fresh process through tsx, flags read by the one parser. */
const MAIN = join(import.meta.dirname, '../src/main.ts');
const TSX = join(import.meta.dirname, '../node_modules/.bin/tsx');

function mta(args: readonly string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(TSX, [MAIN, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('pnpm mta', () => {
  it('lists its commands and answers --help for each', () => {
    const top = mta(['--help']);
    expect(top.code).toBe(0);
    for (const command of ['golden', 'check', 'plan', 'lint-npu', 'train', 'export', 'mlp']) expect(top.stdout).toContain(`  ${command} `);
    expect(mta(['plan', '--help']).stdout).toMatch(/^usage: pnpm mta plan --L <n>/);
  });

  it('prints a plan, and a usage error that names the flag followed by the command help', () => {
    const plan = mta(['plan', '--L', '256', '--dtype', 'float16', '--json']);
    expect(plan.code).toBe(0);
    expect(() => JSON.parse(plan.stdout)).not.toThrow();
    const bad = mta(['plan', '--L', '256', '--dtype', 'float8']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --dtype: expected one of float16, bfloat16, float32, got 'float8'\n\nusage: pnpm mta plan/);
  });

  it('reports a malformed MTA_CPU_THREADS as one error line and exit 1, not a stack trace (issue 13, item 5)', () => {
    const bad = mta(['plan', '--L', '16'], { MTA_CPU_THREADS: 'abc' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: environment variable MTA_CPU_THREADS: expected a whole number of threads >= 1.*got "abc"/);
  });
});
