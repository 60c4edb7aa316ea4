import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli';

/**
 * The README's main job, `pnpm check`, as a test: every golden case and the tiny MTA model on the default
 * backends (cpu, npu, ort-node, ort-web) pass. CI runs `pnpm test`, not `pnpm check`, so without this a
 * merge that breaks the main job (a comparison rule changed under one of its callers) stays green.
 */
describe('mta check on the default backends', () => {
  let out: string[] = [];
  beforeAll(() => {
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
    vi.spyOn(console, 'error').mockImplementation(() => {});
  });
  afterAll(() => { vi.restoreAllMocks(); });

  it('passes every case, the tiny model included, and exits 0', async () => {
    out = [];
    const code = await runCli(['check', '--json']);
    const report = JSON.parse(out.join('\n')) as {
      backends: string[]; passed: number; failed: number; cases: { name: string; backend: string; pass: boolean }[];
    };
    expect(report.backends).toEqual(['cpu', 'npu', 'ort-node', 'ort-web']);
    expect(report.cases.filter((c) => !c.pass).map((c) => `${c.name} on ${c.backend}`)).toEqual([]);
    expect(report.cases.some((c) => c.name.startsWith('tiny-mta-model') && c.backend === 'npu')).toBe(true);
    expect(report.failed).toBe(0);
    expect(report.passed).toBe(79);
    expect(code).toBe(0);
  }, 120_000);
});
