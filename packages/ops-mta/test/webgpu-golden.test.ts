import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setFallback, tensor, tidy, type Tensor } from '@mta/core';
import { releaseWebgpu, webgpuMemory } from '@mta/device-webgpu';
import { webgpuForTests } from '@mta/device-webgpu/testing';
import { registerMtaWebgpu } from '@mta/ops-mta/webgpu';
import { defaultGoldenManifestPath, loadGoldenManifest, multiTokenAttention, type GoldenCase, type MtaOptions, registerMta } from '@mta/ops-mta';
import { allFiniteValues, exactlyZeroGrads, runErrors, type MtaRun } from './support/op-harness';

/**
 * The 19 public golden cases through multiTokenAttention + autograd on the webgpu device's fused kernels
 * (SwiftShader where there is no GPU), float32, compared by the repository's rule (golden/README.md:
 * relFro <= 1e-5, all finite, gradients floored at 1e-3 ||grad_out||). Skipped with the reason when no
 * adapter can be had, except under CI, where that fails.
 */
const TOLERANCE = 1e-5;
/** SwiftShader computes on the CPU: seconds per case, more on a loaded machine. */
const SOFTWARE_GPU_TIMEOUT_MS = 180_000;
const suite = loadGoldenManifest(defaultGoldenManifestPath());
registerMta(); // cpu, the reference
registerMtaWebgpu();
const gpu = await webgpuForTests();
const title = gpu.ready ? `golden cases on webgpu, fused kernels (${gpu.adapter})` : `golden cases on webgpu (skipped: ${gpu.reason})`;

beforeAll(() => setFallback({ strict: true }));
afterAll(() => releaseWebgpu());

const f64 = (a: ArrayLike<number>): Float64Array => Float64Array.from(a);
const host = async (t: Tensor | null | undefined): Promise<Float64Array | null> => (t ? f64(await t.data()) : null);

async function runOnWebgpu(c: GoldenCase): Promise<MtaRun> {
  const t = c.tensors;
  const [kH, kW] = c.kernel;
  const leaf = (values: ArrayLike<number>, shape: number[]) => tensor(f64(values), shape, { dtype: 'float32', device: 'webgpu', requiresGrad: true });
  const scores = leaf(t.scores.data, [c.B, c.Cin, c.L, c.L]);
  const weight = leaf(t.weight.data, [c.Cout, c.Cin / c.groups, kH, kW]);
  const bias = t.bias ? leaf(t.bias.data, [c.Cout]) : null;
  const gradOut = tensor(f64(t.grad_out.data), [c.B, c.Cout, c.L, c.L], { dtype: 'float32', device: 'webgpu' });
  const options: MtaOptions = { mode: c.mode, sparse: c.sparse, padding: c.pads, dilation: c.dilation, groups: c.groups, impl: 'fused' };
  // tidy() frees what the call made besides `out` (post mode's saved probability map, held by the tape).
  const out = tidy(() => {
    const y = multiTokenAttention(scores, weight, bias, options);
    y.backward(gradOut);
    return y;
  });
  const run: MtaRun = {
    out: (await host(out))!, gradScores: (await host(scores.grad))!, gradWeight: (await host(weight.grad))!, gradBias: await host(bias?.grad),
  };
  for (const x of [out, gradOut, scores.grad, weight.grad, bias?.grad, scores, weight, bias]) x?.dispose();
  return run;
}

function expected(c: GoldenCase): MtaRun {
  const t = c.tensors;
  return { out: f64(t.out.data), gradScores: f64(t.grad_scores.data), gradWeight: f64(t.grad_weight.data), gradBias: t.grad_bias ? f64(t.grad_bias.data) : null };
}

const label = (c: GoldenCase) => `${c.name} (${c.mode}${c.sparse ? '/sparsemax' : ''}, L=${c.L}, k=${c.kernel.join('x')}, pads ${c.pads.join(',')}, dilation ${c.dilation.join('x')}, groups ${c.groups})`;

describe.skipIf(!gpu.ready)(title, () => {
  for (const c of suite.cases) {
    it(label(c), async () => {
      const got = await runOnWebgpu(c);
      for (const [name, values] of Object.entries(got)) {
        if (values) expect(allFiniteValues(values), `${c.name}: ${name} all finite`).toBe(true);
      }
      const errors = runErrors(got, expected(c), c.tensors.grad_out.data, exactlyZeroGrads(c.mode, c.L, c.bias));
      if (process.env['MTA_GOLDEN_REPORT']) console.log(`webgpu golden ${c.name}: ${JSON.stringify(errors)}`);
      expect(Object.keys(errors).sort()).toEqual(c.bias ? ['gradBias', 'gradScores', 'gradWeight', 'out'] : ['gradScores', 'gradWeight', 'out']);
      for (const [name, err] of Object.entries(errors)) expect(err, `${c.name}: ${name} relFro`).toBeLessThanOrEqual(TOLERANCE);
    }, SOFTWARE_GPU_TIMEOUT_MS);
  }

  it('every buffer of the runs went back to the pool', () => {
    expect(webgpuMemory.counters().liveBytes).toBe(0);
  });
});
