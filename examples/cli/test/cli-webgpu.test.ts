import '@mta/ops-mta/register';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { releaseWebgpu, setGpuSource } from '@mta/device-webgpu';
import { preferSwiftShaderWhenUnset } from '@mta/device-webgpu/testing';
import { defaultGoldenManifestPath, loadGoldenManifest } from '@mta/ops-mta';
import { probeOrtWebgpu, problemFromGolden, resolveBackends } from '@mta/conformance';
import { checkCommand } from '../src/check';
import { goldenCommand } from '../src/golden';

/**
 * `mta check` and `mta golden` with the webgpu rows: a host without an adapter gets webgpu reported as
 * SKIPPED with the reason (never passed), except under CI, where it fails; with an adapter (SwiftShader where
 * there is no GPU) golden passes 19/19 on webgpu through the command.
 */
const savedCi = process.env['CI'];
afterEach(() => {
  if (savedCi === undefined) delete process.env['CI'];
  else process.env['CI'] = savedCi;
  setGpuSource(null);
  releaseWebgpu();
});
afterAll(() => releaseWebgpu());

async function captured(run: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => { lines.push(String(line)); });
  try {
    return { code: await run(), out: lines.join('\n') };
  } finally {
    log.mockRestore();
  }
}

function withoutAdapter(): void {
  releaseWebgpu();
  setGpuSource(() => Promise.resolve({ gpu: null, tried: 'a stand-in host with no GPU' }));
}

describe('a host without a WebGPU adapter', () => {
  it('mta check runs the others and reports webgpu as SKIPPED with the reason, not as passed', async () => {
    delete process.env['CI'];
    withoutAdapter();
    const { code, out } = await captured(() => checkCommand.run(['--backends', 'cpu,webgpu', '--json']));
    const report = JSON.parse(out) as { backends: string[]; skippedBackends: { name: string; reason: string }[]; cases: { backend: string }[]; passed: number; failed: number };
    expect(report.backends).toEqual(['cpu']);
    expect(report.skippedBackends).toEqual([{ name: 'webgpu', reason: expect.stringMatching(/^no WebGPU adapter: a stand-in host with no GPU/) as unknown as string }]);
    expect(report.cases.filter((c) => c.backend === 'webgpu')).toEqual([]);
    expect(report).toMatchObject({ failed: 0 });
    expect(report.passed).toBeGreaterThan(0);
    expect(code).toBe(0);
  });

  it('the text report says SKIPPED and names the skipped backend under the totals', async () => {
    delete process.env['CI'];
    withoutAdapter();
    const { out } = await captured(() => checkCommand.run(['--backends', 'cpu,webgpu']));
    expect(out).toMatch(/^SKIPPED webgpu: no WebGPU adapter: a stand-in host with no GPU/m);
    expect(out).toMatch(/OK: \d+ passed, 0 failed .*on cpu;.*\nSKIPPED backends \(not run, not counted\): webgpu/);
  });

  it('under CI a missing adapter fails the check instead of skipping it', async () => {
    process.env['CI'] = 'true';
    withoutAdapter();
    await expect(checkCommand.run(['--backends', 'cpu,webgpu'])).rejects.toThrow(/backend 'webgpu': CI promises a WebGPU adapter .* no WebGPU adapter: a stand-in host/);
  });

  it('mta golden --device webgpu fails with the reason', async () => {
    delete process.env['CI'];
    withoutAdapter();
    await expect(goldenCommand.run(['--device', 'webgpu'])).rejects.toThrow(/backend 'webgpu' cannot run here: no WebGPU adapter: a stand-in host with no GPU/);
  });
});

preferSwiftShaderWhenUnset();
const noAdapter = await resolveBackends(['webgpu'])[0]!.probe!();
releaseWebgpu();
if (noAdapter !== undefined && savedCi) throw new Error(`CI promises a WebGPU adapter (SwiftShader, libvulkan1; see .ci/run), but: ${noAdapter}`);
const noOrtAdapter = noAdapter === undefined ? await probeOrtWebgpu() : noAdapter;

describe.skipIf(noAdapter !== undefined)(`with an adapter${noAdapter ? ` (skipped: ${noAdapter})` : ''}`, () => {
  it('mta golden --device webgpu passes 19/19 (out and every gradient)', { timeout: 600_000 }, async () => {
    const { code, out } = await captured(() => goldenCommand.run(['--device', 'webgpu', '--json']));
    const report = JSON.parse(out) as { backend: string; passed: number; failed: number; skipped: number; cases: { errors: Record<string, number> }[] };
    expect(report).toMatchObject({ backend: 'webgpu', passed: 19, failed: 0, skipped: 0 });
    for (const c of report.cases) expect(Object.keys(c.errors)).toEqual(expect.arrayContaining(['out', 'grad_scores', 'grad_weight']));
    expect(code).toBe(0);
  });

  it.skipIf(noOrtAdapter !== undefined)('mta golden --device ort-webgpu: every case passes on the WebGPU EP, sparsemax included, exit 0', { timeout: 600_000 }, async () => {
    const { code, out } = await captured(() => goldenCommand.run(['--device', 'ort-webgpu']));
    const sparse = loadGoldenManifest(defaultGoldenManifestPath()).cases.filter((c) => problemFromGolden(c).config.sparse).length;
    expect(sparse).toBeGreaterThan(0);
    expect(out).toMatch(/^PASS {2}liger-a-sparse +ort-webgpu/m);
    expect(out).toMatch(/^19 passed, 0 failed \(ort-webgpu, 19 cases/m);
    expect(code).toBe(0);
  });
});
