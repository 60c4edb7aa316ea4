import '@mta/ops-mta/register';
import { beforeAll, describe, expect, it } from 'vitest';
import { setFallback } from '@mta/core';
import type { MtaOptions } from '@mta/ops-mta';
import { allFiniteValues, randomOperands, runErrors, runMta } from './support/op-harness';

/**
 * Issue 13, item 2: masked entries (j > i) are excluded exactly on every path. The composite path used to
 * fill them with -1e9, which stops excluding them once scores reach ~1e9, so it disagreed with the fused
 * kernels (relFro 0.2 to 0.6). Scores scaled up to 1e30 (float32 holds up to 3.4e38): the cpu fused
 * kernel, the composite path and the npu fused kernel agree, forward and backward. (ONNX Runtime: see
 * examples/ort/test/ort-masked-large-scores.test.ts.)
 */
const TOLERANCE = 1e-5;
const SCALES = [1e9, 1e12, 1e16, 1e20, 1e30];

beforeAll(() => setFallback({ strict: true }));

describe('masked entries are excluded exactly for scores up to 1e30', () => {
  for (const scale of SCALES) {
    for (const mode of ['post', 'pre'] as const) {
      for (const sparse of [false, true]) {
        it(`scores x ${scale}, ${mode}, ${sparse ? 'sparsemax' : 'softmax'}: cpu fused = composite = npu fused`, () => {
          const ops = randomOperands(Math.round(Math.log10(scale)) * 4 + (mode === 'pre' ? 2 : 0) + (sparse ? 1 : 0),
            { B: 2, Cin: 2, Cout: 3, L: 9, kH: 3, kW: 3, scoreScale: scale });
          const options: MtaOptions = { mode, sparse, padding: 'causal' };
          const fused = runMta(ops, { ...options, impl: 'fused' });
          expect(allFiniteValues(fused.out), 'cpu fused output finite').toBe(true);
          const others = {
            'cpu composite': runMta(ops, { ...options, impl: 'composite' }),
            'npu fused': runMta(ops, { ...options, impl: 'fused' }, { device: 'npu' }),
          };
          for (const [name, run] of Object.entries(others)) {
            const errors = runErrors(run, fused, ops.gradOut);
            for (const [tensor, err] of Object.entries(errors)) expect(err, `${name} ${tensor} relFro`).toBeLessThanOrEqual(TOLERANCE);
          }
        });
      }
    }
  }
});
