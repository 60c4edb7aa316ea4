/**
 * The TensorFlow.js peer must itself be right before its timings mean anything: compare it with the
 * float64 PyTorch golden cases it can express (post mode; any pads, dilation and groups).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TfjsMta, useTfjsBackend, type TfjsBackendName } from '../src/peers/tfjs';
import { defaultGoldenManifestPath, loadGoldenManifest, type GoldenCase } from '@mta/ops-mta';

// The project's golden loader (it validates the manifest); MTA_GOLDEN_DIR points at another copy.
const goldenDir = process.env['MTA_GOLDEN_DIR'];
const manifest = loadGoldenManifest(goldenDir ? `${goldenDir}/public.json` : defaultGoldenManifestPath());

function goldenTensor(c: GoldenCase, name: keyof GoldenCase['tensors']): { shape: readonly number[]; data: Float32Array | Float64Array } {
  const t = c.tensors[name];
  if (!t) throw new Error(`golden case ${c.name} has no tensor '${name}'`);
  return t;
}

/** ||got - expected||_F / ||expected||_F in float64, or Infinity when a value is not finite. */
function relativeFrobenius(got: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(got.length).toBe(expected.length);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < got.length; i++) {
    const g = got[i] as number;
    const e = expected[i] as number;
    if (!Number.isFinite(g)) return Infinity;
    diff += (g - e) ** 2;
    norm += e * e;
  }
  return Math.sqrt(diff) / Math.sqrt(norm);
}

/** The README's float32 tolerance; the peer meets it (worst relFro seen: 2.5e-6, wasm and cpu). */
const TOLERANCE = 1e-5;

const postCases = manifest.cases.filter((c) => c.mode === 'post');

function runCase(c: GoldenCase): Record<string, number> {
  const mta = new TfjsMta(
    { B: c.B, Cin: c.Cin, Cout: c.Cout, L: c.L, kH: c.kernel[0], kW: c.kernel[1] },
    // 'add' turns a NaN score into NaN; the NaN cases need the select mask.
    { sparse: c.sparse, pads: c.pads, dilation: c.dilation, groups: c.groups, maskWith: c.nanAbove ? 'select' : 'add' },
  );
  const asTensor = (name: keyof GoldenCase['tensors']) => {
    const t = goldenTensor(c, name);
    return tf.tensor(t.data as Float32Array, [...t.shape], 'float32');
  };
  const scores = asTensor('scores') as tf.Tensor4D;
  const weight = asTensor('weight') as tf.Tensor4D;
  const bias = c.bias ? (asTensor('bias') as tf.Tensor1D) : undefined;
  const gradOut = asTensor('grad_out') as tf.Tensor4D;
  const forwardOnly = mta.forward({ scores, weight, bias });
  const grads = mta.forwardBackward({ scores, weight, bias }, gradOut);
  const errors: Record<string, number> = {
    out_forward: relativeFrobenius(forwardOnly.dataSync(), goldenTensor(c, 'out').data),
    out: relativeFrobenius(grads.out.dataSync(), goldenTensor(c, 'out').data),
    grad_scores: relativeFrobenius(grads.gradScores.dataSync(), goldenTensor(c, 'grad_scores').data),
    grad_weight: relativeFrobenius(grads.gradWeight.dataSync(), goldenTensor(c, 'grad_weight').data),
  };
  if (c.bias) {
    expect(grads.gradBias).toBeDefined();
    errors['grad_bias'] = relativeFrobenius(grads.gradBias?.dataSync() ?? [], goldenTensor(c, 'grad_bias').data);
  } else {
    expect(grads.gradBias).toBeUndefined();
  }
  tf.dispose([scores, weight, gradOut, forwardOnly, grads.out, grads.gradScores, grads.gradWeight]);
  if (bias !== undefined) tf.dispose([bias, grads.gradBias as tf.Tensor1D]);
  mta.dispose();
  return errors;
}

it('reads the golden manifest and finds the post-mode cases', () => {
  expect(manifest.format).toBe('mta-golden/1');
  expect(postCases.length).toBe(17);
});

for (const backend of ['wasm', 'cpu'] as const satisfies readonly TfjsBackendName[]) {
  describe(`tfjs-${backend} MTA peer against golden cases`, () => {
    let worst = 0;
    beforeAll(async () => {
      await useTfjsBackend(backend);
    });
    afterAll(() => {
      console.info(`tfjs-${backend}: worst relFro over ${postCases.length} post cases = ${worst.toExponential(2)}`);
    });

    it.each(postCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      expect(tf.getBackend()).toBe(backend);
      const before = tf.memory().numTensors;
      const errors = runCase(c);
      for (const [tensor, err] of Object.entries(errors)) {
        worst = Math.max(worst, err);
        expect(err, `${c.name} ${tensor} relFro`).toBeLessThanOrEqual(TOLERANCE);
      }
      expect(tf.memory().numTensors, 'tensors leaked by TfjsMta').toBe(before);
    });
  });
}

it('rejects pads that would not give an L x L output, naming the fix', () => {
  expect(() => new TfjsMta({ B: 1, Cin: 1, Cout: 1, L: 4, kH: 3, kW: 3 }, { sparse: false, pads: [1, 0, 1, 1], dilation: [1, 1], groups: 1 })).toThrow(
    /top \+ bottom must equal dilation_h \* \(kH - 1\)/,
  );
});
