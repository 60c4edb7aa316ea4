import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setFallback, tensor } from '@mta/core';
import { releaseWebgpu, webgpuMemory } from '@mta/device-webgpu';
import { webgpuForTests } from '@mta/device-webgpu/testing';
import { registerMtaWebgpu } from '@mta/ops-mta/webgpu';
import {
  defaultGoldenManifestPath, loadGoldenManifest, MtaArgumentError, multiTokenAttention, type GoldenCase, type MtaOptions, registerMta,
} from '@mta/ops-mta';
import { allFiniteValues, exactlyZeroGrads, runErrors, type MtaOperands, type MtaRun } from './support/op-harness';
import { runMtaKernelsOnWebgpu, runMtaOnWebgpu } from './support/webgpu-run';

/**
 * The 19 public golden cases on the webgpu device in float16 (operands rounded to float16 once, maps,
 * gradients and parameters stored packed two to a word, arithmetic in f32), against the float64 golden
 * results, by the npu's float16 rule (npu-golden.test.ts, "golden cases in half precision GM"): inputs
 * rounded to 16 bits change the math itself, so the bar is the half format's own precision: relFro
 * <= 5e-3 for the output and 4 x 5e-3 for the gradients (floored like the float32 golden test for the
 * gradients that are zero in exact arithmetic). All finite.
 *
 * `saturated` (scores x 60), which the npu's float16 test leaves out, passes here too: rounding scores near
 * 180 to float16 moves them by up to 0.06, which a saturated softmax passes on to grad_scores (relFro about
 * 1e-2, within the gradients' bar); every other tensor of every case is at most 1.2e-3.
 *
 * Four cases have odd L (liger-b and liger-b-sparse 5, depthwise-rect 33, long-97-sparse 97): their rows and
 * channel maps start mid-word, which exercises the shared-word stores (map-storage.ts).
 *
 * Softmax cases run through multiTokenAttention. The public entry refuses sparsemax on float16 scores on
 * every device (geometry.ts: a named MtaArgumentError, checked below for webgpu), so the sparsemax cases
 * run the fused op with a geometry built here, as the npu's float16 golden test runs its kernels: the
 * kernels compute them (in f32, like the npu's) should that refusal ever be lifted.
 */
const OUT_TOLERANCE = 5e-3;
const GRAD_TOLERANCE = 4 * 5e-3;
const SOFTWARE_GPU_TIMEOUT_MS = 180_000;
const suite = loadGoldenManifest(defaultGoldenManifestPath());
registerMta();
registerMtaWebgpu();
const gpu = await webgpuForTests();
const title = gpu.ready ? `golden cases on webgpu in float16 (${gpu.adapter})` : `golden cases on webgpu in float16 (skipped: ${gpu.reason})`;

beforeAll(() => setFallback({ strict: true }));
afterAll(() => releaseWebgpu());

const f64 = (a: ArrayLike<number>): Float64Array => Float64Array.from(a);

function operands(c: GoldenCase): MtaOperands {
  const t = c.tensors;
  return {
    B: c.B, Cin: c.Cin, Cout: c.Cout, L: c.L, kH: c.kernel[0], kW: c.kernel[1], groups: c.groups,
    scores: f64(t.scores.data), weight: f64(t.weight.data), bias: t.bias ? f64(t.bias.data) : null, gradOut: f64(t.grad_out.data),
  };
}

const optionsOf = (c: GoldenCase): MtaOptions => ({ mode: c.mode, sparse: c.sparse, padding: c.pads, dilation: c.dilation, groups: c.groups });

function expected(c: GoldenCase): MtaRun {
  const t = c.tensors;
  return { out: f64(t.out.data), gradScores: f64(t.grad_scores.data), gradWeight: f64(t.grad_weight.data), gradBias: t.grad_bias ? f64(t.grad_bias.data) : null };
}

const label = (c: GoldenCase) => `${c.name} (${c.mode}${c.sparse ? '/sparsemax' : ''}, L=${c.L}${c.L % 2 ? ' odd' : ''}, k=${c.kernel.join('x')}, groups ${c.groups})`;

describe.skipIf(!gpu.ready)(title, () => {
  for (const c of suite.cases) {
    it(label(c), async () => {
      const got = c.sparse ? await runMtaKernelsOnWebgpu(operands(c), optionsOf(c), 'float16') : await runMtaOnWebgpu(operands(c), optionsOf(c), undefined, 'float16');
      for (const [name, values] of Object.entries(got)) {
        if (values) expect(allFiniteValues(values), `${c.name}: ${name} all finite`).toBe(true);
      }
      const errors = runErrors(got, expected(c), c.tensors.grad_out.data, exactlyZeroGrads(c.mode, c.L, c.bias));
      if (process.env['MTA_GOLDEN_REPORT']) console.log(`webgpu float16 golden ${c.name}: ${JSON.stringify(errors)}`);
      expect(Object.keys(errors).sort()).toEqual(c.bias ? ['gradBias', 'gradScores', 'gradWeight', 'out'] : ['gradScores', 'gradWeight', 'out']);
      for (const [name, err] of Object.entries(errors)) {
        expect(err, `${c.name}: ${name} relFro`).toBeLessThanOrEqual(name === 'out' ? OUT_TOLERANCE : GRAD_TOLERANCE);
      }
    }, SOFTWARE_GPU_TIMEOUT_MS);
  }

  it('the public entry refuses sparsemax on float16 scores, as on every device (a named error with its fields)', () => {
    const scores = tensor(new Float64Array(2 * 8 * 8), [1, 2, 8, 8], { dtype: 'float16', device: 'webgpu' });
    const weight = tensor(new Float64Array(2 * 2 * 9), [2, 2, 3, 3], { dtype: 'float16', device: 'webgpu' });
    try {
      expect(() => multiTokenAttention(scores, weight, null, { padding: 1, sparse: true })).toThrow(MtaArgumentError);
      expect(() => multiTokenAttention(scores, weight, null, { padding: 1, sparse: true }))
        .toThrow(expect.objectContaining({ argument: 'sparse', expected: expect.stringContaining('float32 or float64'), actual: 'float16 scores' }));
    } finally {
      scores.dispose();
      weight.dispose();
    }
  });

  it('every buffer of the runs went back to the pool', () => {
    expect(webgpuMemory.counters().liveBytes).toBe(0);
  });
});
