import '@mta/ops-mta/register';
import '@mta/device-cpu/register';
import { Rng, exportOnnx, noGrad, parseOnnxModel, randNormal, tensor, tidy, type Tensor, hostData } from '@mta/core';
import { MultiTokenAttention, multiTokenAttention, type MtaOptions } from '@mta/ops-mta';
import { describe, expect, it } from 'vitest';
import { compareTensors, runOrtNode, runOrtWeb } from '../src/index';

/**
 * MTA through the tracing exporter: the fused op (one lowered sub-graph) and the composite (lowered
 * primitive by primitive), both modes, both activations, run in onnxruntime-node and onnxruntime-web
 * (wasm) and compared with the cpu device running the same impl. Scores hold NaN above the diagonal:
 * a causal graph must never read them.
 */
const TOL = 1e-5;

interface Geometry {
  readonly name: string;
  readonly B: number;
  readonly Cin: number;
  readonly Cout: number;
  readonly L: number;
  readonly kernel: readonly [number, number];
  readonly options: Pick<MtaOptions, 'padding' | 'dilation' | 'groups'>;
}

const GEOMETRIES: readonly Geometry[] = [
  // Liger-style symmetric padding.
  { name: 'pads 1, 3x3', B: 2, Cin: 4, Cout: 4, L: 9, kernel: [3, 3], options: { padding: 1 } },
  // Causal pads [2, 0, 2, 2] (asymmetric), dilation on the key axis, two groups, Cout != Cin.
  { name: 'causal pads, dilation [1, 2], groups 2', B: 2, Cin: 4, Cout: 6, L: 8, kernel: [3, 3], options: { padding: 'causal', dilation: [1, 2], groups: 2 } },
];

function scoresWithNanAboveDiagonal(rng: Rng, B: number, C: number, L: number): Tensor {
  const x = randNormal(rng, [B, C, L, L], 0, 2).toArray() as Float32Array;
  for (let m = 0; m < B * C; m++) for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) x[(m * L + i) * L + j] = Number.NaN;
  return tensor(x, [B, C, L, L]);
}

const ORT_BACKENDS = [['ort-node', runOrtNode], ['ort-web', runOrtWeb]] as const;

describe('MTA export: cpu device vs onnxruntime-node and onnxruntime-web', () => {
  let seed = 1;
  for (const geo of GEOMETRIES) {
    for (const mode of ['post', 'pre'] as const) {
      for (const sparse of [false, true]) {
        for (const impl of ['fused', 'composite'] as const) {
          const caseSeed = seed++;
          it(`${geo.name}, ${mode}, ${sparse ? 'sparsemax' : 'softmax'}, ${impl}`, async () => {
            const rng = new Rng(caseSeed);
            const scores = scoresWithNanAboveDiagonal(rng, geo.B, geo.Cin, geo.L);
            const weight = randNormal(rng, [geo.Cout, geo.Cin / (geo.options.groups ?? 1), ...geo.kernel], 0, 0.5);
            const bias = randNormal(rng, [geo.Cout], 0, 0.5);
            const options: MtaOptions = { ...geo.options, mode, sparse, impl };
            const fn = (x: Tensor): Tensor => multiTokenAttention(x, weight, bias, options);

            const expected = noGrad(() => tidy(() => fn(scores).toArray() as Float32Array));
            expect(expected.every(Number.isFinite), 'the cpu output must be finite').toBe(true);

            const model = exportOnnx(fn, [scores], { inputNames: ['scores'], outputNames: ['out'], parameters: [['weight', weight], ['bias', bias]] });
            if (impl === 'fused') {
              expect(model.ops.get('MultiTokenAttention')).toBe(1);
            } else {
              expect(model.ops.has('MultiTokenAttention')).toBe(false);
              expect([...model.ops.keys()]).toEqual(expect.arrayContaining(['BandMask', 'Conv2d', sparse ? 'Sparsemax' : 'Softmax']));
            }
            const inits = parseOnnxModel(model.bytes).initializers.map((v) => v.name);
            expect(inits).toEqual(expect.arrayContaining(['weight', 'bias']));

            const feeds = { scores: { data: scores.toArray() as Float32Array, dims: [...scores.shape] } };
            for (const [backend, run] of ORT_BACKENDS) {
              const result = await run(model.bytes, feeds);
              const out = result.outputs['out']!;
              expect(out.dims, backend).toEqual([geo.B, geo.Cout, geo.L, geo.L]);
              const cmp = compareTensors(out.data, expected);
              expect(cmp.allFinite, `${backend}: NaN or Inf in the output`).toBe(true);
              expect(cmp.relFro, `${backend}: relFro`).toBeLessThanOrEqual(TOL);
            }
          });
        }
      }
    }
  }

  it("exports the MultiTokenAttention module with 'weight' and 'bias' as named initializers", async () => {
    const rng = new Rng(42);
    const layer = new MultiTokenAttention(4, 4, rng, { kernelSize: [3, 5], padding: 'causal', mode: 'pre' });
    // A non-zero bias, so a dropped or misnamed bias would show in the outputs.
    hostData(layer.bias!).set(Float32Array.of(0.5, -0.25, 0.125, 1));
    const scores = scoresWithNanAboveDiagonal(rng, 2, 4, 7);
    const expected = noGrad(() => tidy(() => layer.forward(scores).toArray() as Float32Array));

    const model = exportOnnx(layer, [scores], { inputNames: ['scores'], outputNames: ['out'] });
    expect(model.ops.get('MultiTokenAttention'), 'the module should trace as the fused op on cpu').toBe(1);
    const summary = parseOnnxModel(model.bytes);
    const inits = new Map(summary.initializers.map((v) => [v.name, v]));
    expect(inits.get('weight')).toMatchObject({ elemType: 'float32', dims: [4, 4, 3, 5] });
    expect(inits.get('bias')).toMatchObject({ elemType: 'float32', dims: [4] });
    expect(summary.nodeOpTypes).toEqual(expect.arrayContaining(['Conv', 'Softmax', 'Where', 'Trilu']));

    const feeds = { scores: { data: scores.toArray() as Float32Array, dims: [...scores.shape] } };
    for (const [backend, run] of ORT_BACKENDS) {
      const result = await run(model.bytes, feeds);
      const cmp = compareTensors(result.outputs['out']!.data, expected);
      expect(cmp.allFinite, backend).toBe(true);
      expect(cmp.relFro, `${backend}: relFro`).toBeLessThanOrEqual(TOL);
    }
  });
});
