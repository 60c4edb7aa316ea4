import '@mta/ops-mta/register';
import { Rng, exportOnnx, noGrad, tensor, tidy, type Tensor } from '@mta/core';
import { multiTokenAttention, type MtaOptions } from '@mta/ops-mta';
import { describe, expect, it } from 'vitest';
import { runOrtNode, runOrtWeb } from '../src/index';

/**
 * Issue 13, item 6, through ONNX: non-finite unmasked scores give what the cpu gives (golden/README.md,
 * "Non-finite scores and empty batches"): a NaN or +Inf makes its row NaN, -Inf gets probability 0, masked
 * outputs stay 0. Before, the ONNX sparsemax left a NaN row partly finite (ReduceMax/TopK skip NaN).
 */
const B = 1, Cin = 2, Cout = 2, L = 6;

describe('ONNX Runtime agrees with the cpu on non-finite scores', () => {
  let seed = 3;
  for (const [label, special] of [['NaN', Number.NaN], ['+Inf', Infinity], ['-Inf', -Infinity]] as const) {
    for (const mode of ['post', 'pre'] as const) {
      for (const sparse of [false, true]) {
        const caseSeed = seed++;
        it(`${label}, ${mode}, ${sparse ? 'sparsemax' : 'softmax'}`, async () => {
          const rng = new Rng(caseSeed);
          const x = Float32Array.from({ length: B * Cin * L * L }, () => rng.normal());
          x[3 * L + 1] = special;
          const scores = tensor(x, [B, Cin, L, L]);
          const weight = tensor(Float32Array.from({ length: Cout * Cin * 9 }, () => rng.normal() * 0.5), [Cout, Cin, 3, 3]);
          const options: MtaOptions = { mode, sparse, padding: 'causal' };
          const reference = noGrad(() => tidy(() => Array.from(multiTokenAttention(scores, weight, null, options).toArray() as Float32Array)));
          for (const impl of ['fused', 'composite'] as const) {
            const fn = (s: Tensor): Tensor => multiTokenAttention(s, weight, null, { ...options, impl });
            const model = exportOnnx(fn, [scores], { inputNames: ['scores'], outputNames: ['out'], parameters: [['weight', weight]] });
            for (const [backend, run] of [['ort-node', runOrtNode], ['ort-web', runOrtWeb]] as const) {
              const out = (await run(model.bytes, { scores: { data: x, dims: [B, Cin, L, L] } })).outputs['out']!.data;
              reference.forEach((want, k) => {
                const got = out[k]!;
                const where = `${backend} ${impl} graph, element ${k}: ${got} vs cpu ${want}`;
                if (Number.isNaN(want)) expect(Number.isNaN(got), where).toBe(true);
                else expect(Math.abs(got - want), where).toBeLessThanOrEqual(1e-5);
              });
            }
          }
        });
      }
    }
  }
});
