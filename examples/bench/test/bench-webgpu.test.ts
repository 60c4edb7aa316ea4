import '@mta/ops-mta/register';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseWebgpu } from '@mta/device-webgpu';
import { webgpuForTests } from '@mta/device-webgpu/testing';
import { registerMtaWebgpu } from '@mta/ops-mta/webgpu';
import { BENCH_BACKENDS } from '../src/backends/index';
import { ProgressBar, type ProgressStream } from '../src/progress';
import { buildReport } from '../src/results';
import { runBench, type BenchPlan } from '../src/runner';
import type { BenchBackendEntry } from '../src/types';

/**
 * The bench's WebGPU rows in one in-process run (SwiftShader where there is no GPU; skipped with the reason
 * when no adapter can be had, failing under CI): webgpu device-resident and host to host, ONNX Runtime's WebGPU
 * EP; every row timed with its first call apart, cross-checked against webgpu, GPU memory reported.
 */
registerMtaWebgpu();
const gpu = await webgpuForTests();
afterAll(() => releaseWebgpu());

class Quiet implements ProgressStream {
  isTTY = false;
  write(): boolean { return true; }
}

const entry = (name: string): BenchBackendEntry => BENCH_BACKENDS.find((b) => b.name === name)!;

describe.skipIf(!gpu.ready)(`bench rows on webgpu${gpu.ready ? ` (${gpu.adapter})` : ` (skipped: ${gpu.ready ? '' : gpu.reason})`}`, () => {
  const plan: BenchPlan = {
    backends: [entry('webgpu'), entry('webgpu-host'), entry('ort-webgpu')],
    variants: ['softmax', 'sparse'],
    Ls: [16],
    phases: ['forward', 'forward+backward'],
    size: { B: 1, C: 2, K: 3, padding: 1 },
    seed: 5,
    hugetlb: 'off',
    measure: { warmup: 1, repeats: 2, minTimeMs: 0 },
    repeatsFromUser: true,
    noCap: false,
    isolate: false,
    check: true,
  };

  it('times every row, reports first calls and GPU memory, and the rows agree', { timeout: 300_000 }, async () => {
    const run = await runBench(plan, new ProgressBar(12, new Quiet()));
    const report = buildReport(run, plan, 'webgpu');
    const rows = (backend: string) => report.results.filter((r) => r.backend === backend).map((r) => `${r.variant} ${r.phase}`).sort();
    expect(rows('webgpu')).toEqual(['softmax forward', 'softmax forward+backward', 'sparse forward', 'sparse forward+backward']);
    expect(rows('webgpu-host')).toEqual(rows('webgpu'));
    expect(rows('ort-webgpu')).toEqual(['softmax forward', 'sparse forward']);
    for (const r of report.results) {
      expect(r.firstCallMs).toBeGreaterThan(0);
      expect(r.medianMs).toBeGreaterThan(0);
      if (r.backend !== 'webgpu') {
        expect(r.checkAgainst).toBe('webgpu');
        expect(r.checkRelErr).toBeLessThan(1e-5);
      }
      if (r.backend.startsWith('webgpu')) {
        // Device-resident: inputs (scores 2 KiB, grad_out) and outputs live on the GPU during the run.
        expect(r.extra?.['gpuPeakBytes']).toBeGreaterThanOrEqual(2 * 16 * 16 * 4);
        expect(r.extra?.['pipelines']).toBeGreaterThan(0);
      } else {
        expect(r.extra?.['sessionCreateMs']).toBeGreaterThan(0);
      }
    }
    expect(report.backends.find((b) => b.name === 'ort-webgpu')?.runtime).toMatch(/WebGpuExecutionProvider: .*Conv/);
    // Every graph stays on the WebGPU EP (the sparsemax's NaN guard is Not(Equal(x, x)), which it runs): no failed cell.
    expect(report.failures.map((f) => `${f.backend} ${f.variant} ${f.phase}: ${f.message}`)).toEqual([]);
  });
});
