import '@mta/ops-mta/register';
import { Rng, exportOnnx, fromFloat16Bits, hostData, noGrad, parseOnnxModel, randNormal, tensor, tidy, toFloat16Bits, type Tensor } from '@mta/core';
import { MultiTokenAttention } from '@mta/ops-mta';
import { describe, expect, it } from 'vitest';
import { relFro, runOnnx } from './support/ort-node';

/**
 * precision: 'float16' stores the scores, the output and the weights in float16 and computes in float32
 * (ONNX Runtime's CPU Conv is float only). Against the cpu device in float32 on the same (float16-rounded)
 * scores, what remains is the rounding of the weights and of the output to float16: unit roundoff
 * 2^-11 ~ 4.9e-4 each, so relFro 2e-3 is a float16 tolerance with margin, and 1e-5 (float32's) must fail.
 */
const TOL_FLOAT16 = 2e-3;

function roundToFloat16(values: Float32Array): Float32Array {
  return Float32Array.from(values, (v) => fromFloat16Bits(toFloat16Bits(v)));
}

describe("ONNX export with precision: 'float16'", () => {
  for (const sparse of [false, true]) {
    it(`an MTA layer (${sparse ? 'sparsemax' : 'softmax'}) matches cpu float32 to a float16 tolerance, at two lengths`, async () => {
      const rng = new Rng(sparse ? 21 : 20);
      const layer = new MultiTokenAttention(4, 4, rng, { kernelSize: [3, 5], padding: 'causal', sparse, mode: sparse ? 'pre' : 'post' });
      hostData(layer.bias!).set(Float32Array.of(0.5, -0.25, 0.125, 1));
      const model = exportOnnx(layer, [randNormal(rng, [1, 4, 8, 8])], { inputNames: ['scores'], outputNames: ['out'], precision: 'float16' });
      const summary = parseOnnxModel(model.bytes);
      expect(summary.inputs[0]).toEqual({ name: 'scores', elemType: 'float16', dims: ['batch', 4, 'L', 'L'] });
      expect(summary.outputs[0]).toEqual({ name: 'out', elemType: 'float16', dims: ['batch', 4, 'L', 'L'] });
      expect(summary.initializers.filter((i) => i.name === 'weight' || i.name === 'bias').map((i) => i.elemType)).toEqual(['float16', 'float16']);

      for (const L of [16, 100]) {
        const values = roundToFloat16(randNormal(rng, [2, 4, L, L], 0, 2).toArray() as Float32Array);
        for (let m = 0; m < 8; m++) for (let i = 0; i < L; i++) values.fill(Number.NaN, (m * L + i) * L + i + 1, (m * L + i + 1) * L);
        const scores = tensor(values, [2, 4, L, L]);
        const expected = noGrad(() => tidy(() => layer.forward(scores).toArray() as Float32Array));
        const bits = Uint16Array.from(values, (v) => toFloat16Bits(v));
        const out = (await runOnnx(model.bytes, { scores: { type: 'float16', data: bits, dims: [2, 4, L, L] } }))['out']!;
        expect(out.type).toBe('float16');
        const actual = Float32Array.from(out.data, (h) => fromFloat16Bits(h));
        expect(actual.every(Number.isFinite)).toBe(true);
        const error = relFro(actual, expected);
        console.log(`[onnx-float16] ${sparse ? 'sparsemax' : 'softmax'}, L = ${L}: relFro ${error.toExponential(2)}`);
        expect(error).toBeLessThanOrEqual(TOL_FLOAT16);
        expect(error, 'float16 storage must show: the compare would be vacuous otherwise').toBeGreaterThan(1e-5);
        scores.dispose();
      }
    });
  }

  it('halves the bytes of the weights in the model', () => {
    const rng = new Rng(22);
    const layer = new MultiTokenAttention(8, 8, rng, { kernelSize: 7, padding: 'causal' });
    const x = [randNormal(rng, [1, 8, 6, 6])];
    const f32 = exportOnnx(layer, x).bytes.length;
    const f16 = exportOnnx(layer, x, { precision: 'float16' }).bytes.length;
    // 8 * 8 * 49 weights: 12544 bytes in float32, 6272 in float16; the Cast nodes cost a few hundred back.
    expect(f32 - f16).toBeGreaterThanOrEqual(0.9 * 6272);
  });
});
