import '@mta/ops-mta/register';
import { beforeAll, describe, expect, it } from 'vitest';
import { setFallback, tensor, zeros } from '@mta/core';
import { MtaArgumentError, multiTokenAttention, type MtaOptions } from '@mta/ops-mta';
import { randomOperands, runMta, type MtaOperands } from './support/op-harness';

/**
 * Issue 13, item 6: every path gives the same answer on degenerate input. The semantics (golden/README.md,
 * "Non-finite scores and empty batches"):
 * - a NaN or +Inf among a row's unmasked scores (or, in pre mode, its convolved scores) makes that row of
 *   the activation NaN; a -Inf unmasked score gets probability 0 (as softmax gives it); masked outputs are
 *   exactly 0 whatever the row holds;
 * - B = 0 (or any zero size) is an MtaArgumentError naming shape.B on every path.
 * Before: the npu sparsemax threw on a NaN row while cpu returned NaN, and the composite pre mode wrote NaN
 * into masked outputs the fused kernels left 0.
 */
beforeAll(() => setFallback({ strict: false }));

function withNonFinite(ops: MtaOperands): MtaOperands {
  const scores = Float64Array.from(ops.scores);
  const L = ops.L;
  scores[3 * L + 1] = NaN; // batch 0, channel 0, row 3
  scores[L * L + 5 * L + 2] = Infinity; // batch 0, channel 1, row 5
  scores[4 * L * L / 2 + 6 * L] = -Infinity; // an unmasked -Inf further on
  return { ...ops, scores };
}

const sameValues = (a: ArrayLike<number>, b: ArrayLike<number>, what: string): void => {
  expect(a.length, what).toBe(b.length);
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!, y = b[k]!;
    if (Number.isNaN(x) || Number.isNaN(y)) expect([k, Number.isNaN(x), Number.isNaN(y)], `${what}: NaN at ${k}`).toEqual([k, true, true]);
    else expect(Math.abs(x - y), `${what} at ${k}: ${x} vs ${y}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(y)));
  }
};

describe('non-finite scores: cpu fused, composite and npu fused agree', () => {
  for (const mode of ['post', 'pre'] as const) {
    for (const sparse of [false, true]) {
      it(`${mode}, ${sparse ? 'sparsemax' : 'softmax'}`, () => {
        const ops = withNonFinite(randomOperands(61, { B: 2, Cin: 2, Cout: 2, L: 8, kH: 3, kW: 3 }));
        const options: MtaOptions = { mode, sparse, padding: 'causal' };
        const fused = runMta(ops, { ...options, impl: 'fused' });
        expect(fused.out.some(Number.isNaN), 'the NaN row shows in the output').toBe(true);
        // Masked outputs are exactly 0 whatever their row holds.
        for (let k = 0; k < fused.out.length; k++) if (k % ops.L > Math.floor(k / ops.L) % ops.L) expect(fused.out[k]).toBe(0);
        sameValues(runMta(ops, { ...options, impl: 'composite' }).out, fused.out, 'composite out');
        sameValues(runMta(ops, { ...options, impl: 'fused' }, { device: 'npu' }).out, fused.out, 'npu out');
      });
    }
  }
});

describe('B = 0 is the same named error on every path', () => {
  for (const [device, impl] of [['cpu', 'fused'], ['cpu', 'composite'], ['npu', 'fused'], ['npu', 'composite']] as const) {
    it(`${device} ${impl}`, () => {
      const call = () => multiTokenAttention(zeros([0, 2, 4, 4], { device }), tensor(new Float32Array(36), [2, 2, 3, 3], { device }), null, { padding: 1, impl });
      expect(call).toThrow(MtaArgumentError);
      expect(call).toThrow(/shape\.B: expected a positive integer, got 0/);
    });
  }
});
