import '@mta/ops-mta/register';
import { Rng, exportOnnx, noGrad, tensor, tidy, type Tensor } from '@mta/core';
import { multiTokenAttention, type MtaOptions } from '@mta/ops-mta';
import { describe, expect, it } from 'vitest';
import { compareTensors, runOrtNode, runOrtWeb } from '../src/index';

/**
 * Issue 13, item 2, through ONNX: the exported graph (the fused op's lowering and the composite's
 * primitives) excludes masked entries exactly, as the cpu and npu kernels do. With the old -1e9 fill,
 * scores of 1e12 and more let masked entries into the softmax/sparsemax and ONNX Runtime disagreed with
 * the cpu. Scores scaled 1e12..1e30 (and 1 as a control), the cpu fused kernel as the reference.
 */
const TOL = 1e-5;
const ORT_BACKENDS = [['ort-node', runOrtNode], ['ort-web', runOrtWeb]] as const;
const B = 2, Cin = 2, Cout = 3, L = 8;

function scaledScores(rng: Rng, scale: number): Tensor {
  return tensor(Float32Array.from({ length: B * Cin * L * L }, () => rng.normal() * scale), [B, Cin, L, L]);
}

describe('ONNX Runtime agrees with the cpu kernels on scores up to 1e30', () => {
  let seed = 7;
  for (const scale of [1, 1e12, 1e20, 1e30]) {
    for (const mode of ['post', 'pre'] as const) {
      for (const sparse of [false, true]) {
        const caseSeed = seed++;
        it(`scores x ${scale}, ${mode}, ${sparse ? 'sparsemax' : 'softmax'}`, async () => {
          const rng = new Rng(caseSeed);
          const scores = scaledScores(rng, scale);
          const weight = tensor(Float32Array.from({ length: Cout * Cin * 9 }, () => rng.normal() * 0.5), [Cout, Cin, 3, 3]);
          const bias = tensor(Float32Array.from({ length: Cout }, () => rng.normal() * 0.5), [Cout]);
          const options: MtaOptions = { mode, sparse, padding: 'causal' };
          const reference = noGrad(() => tidy(() => multiTokenAttention(scores, weight, bias, { ...options, impl: 'fused' }).toArray() as Float32Array));
          expect(reference.every(Number.isFinite), 'the cpu output must be finite').toBe(true);
          const feeds = { scores: { data: scores.toArray() as Float32Array, dims: [...scores.shape] } };
          for (const impl of ['fused', 'composite'] as const) {
            const cpu = noGrad(() => tidy(() => multiTokenAttention(scores, weight, bias, { ...options, impl }).toArray() as Float32Array));
            expect(compareTensors(cpu, reference).relFro, `cpu ${impl}`).toBeLessThanOrEqual(TOL);
            const fn = (x: Tensor): Tensor => multiTokenAttention(x, weight, bias, { ...options, impl });
            const model = exportOnnx(fn, [scores], { inputNames: ['scores'], outputNames: ['out'], parameters: [['weight', weight], ['bias', bias]] });
            for (const [backend, run] of ORT_BACKENDS) {
              const cmp = compareTensors((await run(model.bytes, feeds)).outputs['out']!.data, reference);
              expect(cmp.allFinite, `${backend} (${impl} graph): NaN or Inf`).toBe(true);
              expect(cmp.relFro, `${backend} (${impl} graph) relFro`).toBeLessThanOrEqual(TOL);
            }
          }
        });
      }
    }
  }
});
