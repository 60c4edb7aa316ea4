import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { preferSwiftShaderWhenUnset } from '@mta/device-webgpu/testing';
import { resolveBackends } from '@mta/conformance';
import { registerMta } from '@mta/ops-mta';
import { runCli } from '../src/cli';

/**
 * The README's main job, `pnpm check`, as a test: every golden case and the tiny MTA model on the default
 * backends (cpu, npu, ort-node, ort-web, and webgpu and ort-webgpu where an adapter exists: SwiftShader here,
 * which CI installs) pass. CI runs `pnpm test`, not `pnpm check`, so without this a merge that breaks the main
 * job (a comparison rule changed under one of its callers) stays green.
 */
preferSwiftShaderWhenUnset();
registerMta();
const noAdapter = await resolveBackends(['webgpu'])[0]!.probe!();

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
      backends: string[]; skippedBackends: { name: string }[]; passed: number; failed: number; skipped: number;
      cases: { name: string; backend: string; pass: boolean; skipped?: string }[];
    };
    const cpuOnly = ['cpu', 'npu', 'ort-node', 'ort-web'];
    expect(report.cases.filter((c) => !c.pass && c.skipped === undefined).map((c) => `${c.name} on ${c.backend}`)).toEqual([]);
    expect(report.cases.some((c) => c.name.startsWith('tiny-mta-model') && c.backend === 'npu')).toBe(true);
    expect(report.failed).toBe(0);
    if (noAdapter !== undefined) {
      // Outside CI without an adapter (under CI the probe fails the check instead).
      expect(report.backends).toEqual(cpuOnly);
      expect(report.skippedBackends.map((b) => b.name)).toEqual(['webgpu', 'ort-webgpu']);
      expect(report.passed).toBe(79);
    } else {
      expect(report.backends).toEqual(['cpu', 'npu', 'webgpu', 'ort-node', 'ort-web', 'ort-webgpu']);
      // 79, and on webgpu and ort-webgpu every golden case and the tiny model: nothing skipped.
      expect(report.cases.filter((c) => c.skipped !== undefined).map((c) => `${c.name} on ${c.backend}: ${c.skipped}`)).toEqual([]);
      expect(report.passed).toBe(79 + 19 + 19 + 1 + 1);
    }
    expect(code).toBe(0);
  }, 600_000);
});
