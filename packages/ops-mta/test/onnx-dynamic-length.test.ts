import '@mta/ops-mta/register';
import { Rng, add, exportOnnx, expand, hostData, noGrad, parseOnnxModel, randNormal, reshape, slice, softmax, tensor, tidy, type Tensor } from '@mta/core';
import { MultiTokenAttention, type MtaModuleOptions } from '@mta/ops-mta';
import { describe, expect, it } from 'vitest';
import { relFro, runOnnx } from './support/ort-node';

/**
 * A model exported once, at one sequence length, runs in onnxruntime-node at L = 64, 200 and 1000 (and
 * another batch size) and matches the cpu device to 1e-5: the MultiTokenAttention layer declares batch
 * and L as dim_params by default, and every L-sized mask comes from the runtime shape. Scores hold NaN
 * above the diagonal, so a mask of the wrong size would show as NaN (or a wrong value).
 */
const TOL = 1e-5;
const EXPORT_L = 12;
const RUNS: readonly { B: number; L: number }[] = [{ B: 2, L: 64 }, { B: 1, L: 200 }, { B: 1, L: 1000 }];

function causalScores(rng: Rng, B: number, C: number, L: number): Tensor {
  const x = randNormal(rng, [B, C, L, L], 0, 2).toArray() as Float32Array;
  for (let m = 0; m < B * C; m++) for (let i = 0; i < L; i++) x.fill(Number.NaN, (m * L + i) * L + i + 1, (m * L + i + 1) * L);
  return tensor(x, [B, C, L, L]);
}

const LAYERS: readonly { name: string; options: MtaModuleOptions; impl: 'fused' | 'composite' }[] = [
  { name: 'post softmax, causal 3x5, fused', options: { kernelSize: [3, 5], padding: 'causal' }, impl: 'fused' },
  { name: 'pre sparsemax, causal 3x3 dilation [1, 2], groups 2, composite', options: { mode: 'pre', sparse: true, padding: 'causal', dilation: [1, 2], groups: 2 }, impl: 'composite' },
];

describe('ONNX export with dynamic batch and sequence length', () => {
  for (const [index, spec] of LAYERS.entries()) {
    it(`${spec.name}: exported at L = ${EXPORT_L}, run at L = ${RUNS.map((r) => r.L).join(', ')}`, { timeout: 240_000 }, async () => {
      const rng = new Rng(100 + index);
      const layer = new MultiTokenAttention(4, 4, rng, spec.options);
      hostData(layer.bias!).set(Float32Array.of(0.5, -0.25, 0.125, 1));
      const forward = (x: Tensor): Tensor => layer.forward(x, spec.impl);
      const model = exportOnnx(forward, [causalScores(rng, 2, 4, EXPORT_L)], {
        inputNames: ['scores'], outputNames: ['out'], parameters: layer.namedParameters(),
        dynamicAxes: { scores: { 0: 'batch', 2: 'L', 3: 'L' } },
      });
      const summary = parseOnnxModel(model.bytes);
      expect(summary.inputs[0]!.dims).toEqual(['batch', 4, 'L', 'L']);
      expect(summary.outputs[0]!.dims).toEqual(['batch', 4, 'L', 'L']);
      // No initializer may carry the traced length: every mask is computed from Shape(scores).
      for (const init of summary.initializers) expect(init.dims.includes(EXPORT_L), init.name).toBe(false);

      for (const { B, L } of RUNS) {
        const scores = causalScores(rng, B, 4, L);
        const expected = noGrad(() => tidy(() => forward(scores).toArray() as Float32Array));
        const result = await runOnnx(model.bytes, { scores: { type: 'float32', data: scores.toArray() as Float32Array, dims: [B, 4, L, L] } });
        scores.dispose();
        const out = result['out']!;
        expect(out.dims).toEqual([B, 4, L, L]);
        expect(out.data.every(Number.isFinite), `L = ${L}: NaN or Inf in the output`).toBe(true);
        const error = relFro(out.data, expected);
        console.log(`[onnx-dynamic-length] ${spec.name}: B = ${B}, L = ${L}: relFro ${error.toExponential(2)}`);
        expect(error, `L = ${L}`).toBeLessThanOrEqual(TOL);
      }
    });
  }

  it('the MultiTokenAttention module is exported with batch and L dynamic by default', () => {
    const rng = new Rng(7);
    const layer = new MultiTokenAttention(2, 3, rng, { padding: 'causal' });
    const summary = parseOnnxModel(exportOnnx(layer, [causalScores(rng, 1, 2, 5)], { inputNames: ['scores'] }).bytes);
    expect(summary.inputs[0]!.dims).toEqual(['batch', 2, 'L', 'L']);
    expect(summary.outputs[0]!.dims).toEqual(['batch', 3, 'L', 'L']);
    const fixed = parseOnnxModel(exportOnnx(layer, [causalScores(rng, 1, 2, 5)], { dynamicAxes: {} }).bytes);
    expect(fixed.inputs[0]!.dims, 'dynamicAxes: {} keeps every axis static').toEqual([1, 2, 5, 5]);
  });

  it('reshapes that merge and split dynamic axes and slices to the end follow the runtime shape', async () => {
    // [B, C, L, L] -> [B * C, L, L] -> softmax -> [B, C, L * L] -> sliced to the end -> + a broadcast bias,
    // then expanded along an axis of its own size (Expand must keep the dynamic ones).
    const bias = randNormal(new Rng(9), [1, 3, 1]);
    const fn = (x: Tensor): Tensor => {
      const [B, C, L] = [x.shape[0]!, x.shape[1]!, x.shape[2]!];
      const rows = softmax(reshape(x, [B * C, L, L]), -1);
      const flat = slice(reshape(rows, [B, C, L * L]), [0, 1, 0], [B, C, L * L]);
      const biased = add(flat, bias);
      return expand(reshape(biased, [B, C - 1, 1, L * L]), [B, C - 1, 2, L * L]);
    };
    const model = exportOnnx(fn, [randNormal(new Rng(10), [2, 4, 5, 5])], { inputNames: ['x'], outputNames: ['y'], dynamicAxes: { x: { 0: 'B', 2: 'L', 3: 'L' } } });
    expect(parseOnnxModel(model.bytes).outputs[0]!.dims).toEqual(['B', 3, 2, 'y_dim3']);
    for (const [B, L] of [[1, 7], [3, 33]] as const) {
      const x = randNormal(new Rng(B * L), [B, 4, L, L]);
      const expected = noGrad(() => tidy(() => fn(x).toArray() as Float32Array));
      const y = (await runOnnx(model.bytes, { x: { type: 'float32', data: x.toArray() as Float32Array, dims: [B, 4, L, L] } }))['y']!;
      expect(y.dims).toEqual([B, 3, 2, L * L]);
      expect(relFro(y.data, expected)).toBeLessThanOrEqual(TOL);
    }
  });
});
