import { describe, expect, it } from 'vitest';
import { GOLDEN_TOLERANCE, checkResults, exactlyZeroGradients, frobenius } from '../src/index';

/**
 * Issue 13 item 15: the golden gradient floor was keyed on a name prefix ('grad') and one norm
 * (1e-3 x ||grad_out||_F), so any gradient below that norm was measured against the floor. ||grad_out||_F
 * grows like L; at L = 4096 a real (nonzero) gradient 100x off the tolerance passed. The floor is now keyed
 * on the quantity: only gradients that are zero in exact arithmetic get it.
 */
const L = 4096;
const gradOut = new Float32Array(L * L).fill(1); // B = Cout = 1
const gradientScale = frobenius(gradOut); // 4096

describe('the golden gradient floor', () => {
  it('does not loosen the check of a real gradient at L = 4096', () => {
    // A nonzero bias gradient of norm 0.01 (far under 1e-3 x 4096) computed with 1e-3 relative error: 100x the tolerance.
    const expected = new Float64Array([0.006, -0.008]);
    const got = Float32Array.from(expected, (v, i) => v + (i === 0 ? 1e-5 : 0));
    const problem = { shape: { B: 1, Cin: 1, Cout: 2, L, kH: 3, kW: 3 }, config: { mode: 'post' as const, sparse: false, pads: [2, 0, 2, 0] as const, dilation: [1, 1] as const, groups: 1 }, bias: new Float32Array(2) };
    const [check] = checkResults({ grad_bias: got }, { grad_bias: expected }, ['grad_bias'], GOLDEN_TOLERANCE,
      { gradientScale, exactZero: exactlyZeroGradients(problem) });
    expect(check!.floored).toBeUndefined();
    expect(check!.relFro).toBeCloseTo(1e-3, 6);
    expect(check!.pass).toBe(false);
  });

  it('holds a gradient that is zero in exact arithmetic to 1e-8 x ||grad_out||: float32 round-off passes, a wrong value fails', () => {
    const problem = { shape: { B: 1, Cin: 1, Cout: 2, L, kH: 3, kW: 3 }, config: { mode: 'pre' as const, sparse: true, pads: [2, 0, 2, 0] as const, dilation: [1, 1] as const, groups: 1 }, bias: new Float32Array(2) };
    expect(exactlyZeroGradients(problem)).toEqual(['grad_bias']);
    const roundOff = new Float64Array([2e-17 * gradientScale, -1e-17 * gradientScale]);
    const options = { gradientScale, exactZero: exactlyZeroGradients(problem) };
    const [ok] = checkResults({ grad_bias: new Float32Array([3e-9 * gradientScale, 0]) }, { grad_bias: roundOff }, ['grad_bias'], GOLDEN_TOLERANCE, options);
    expect(ok).toMatchObject({ pass: true, floored: true });
    const [wrong] = checkResults({ grad_bias: new Float32Array([1e-6 * gradientScale, 0]) }, { grad_bias: roundOff }, ['grad_bias'], GOLDEN_TOLERANCE, options);
    expect(wrong!.pass).toBe(false);
  });

  it('knows which gradients vanish: pre-mode bias, and at L = 1 the scores (and in pre mode the weight)', () => {
    const config = { sparse: false, pads: [0, 0, 0, 0] as const, dilation: [1, 1] as const, groups: 1 };
    const shape = { B: 1, Cin: 1, Cout: 1, L: 1, kH: 1, kW: 1 };
    expect(exactlyZeroGradients({ shape, config: { ...config, mode: 'post' }, bias: new Float32Array(1) })).toEqual(['grad_scores']);
    expect(exactlyZeroGradients({ shape, config: { ...config, mode: 'pre' }, bias: null })).toEqual(['grad_scores', 'grad_weight']);
    expect(exactlyZeroGradients({ shape: { ...shape, L: 8 }, config: { ...config, mode: 'post' }, bias: new Float32Array(1) })).toEqual([]);
  });
});
