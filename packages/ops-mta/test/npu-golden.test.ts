/**
 * All 19 public golden cases on the simulated NPU, float32 GM, at relFro <= 1e-5 (golden README), at
 * UB 192 KiB and 16 KiB, and with the column/row blocks capped at 4 and 7 elements so that even these small
 * cases run the multi-block kernels (row statistics passes, column tails).
 */
import { describe, expect, it } from 'vitest';
import { type GoldenCase, loadGolden, relFro } from './support/npu-golden';
import { runCase } from './support/npu-run-case';
import { SOC_NAMES } from '@mta/device-npu';

const cases = loadGolden();

/**
 * In pre mode the bias gradient is mathematically zero (each row of dC sums to zero for softmax and
 * sparsemax backward alike); the golden file stores float64 rounding noise (~4e-16) there, against which a
 * relative error is meaningless. For such tensors we require the float32 result to be noise-sized too.
 */
const ZERO_NOISE_NORM = 1e-12;
const FLOAT32_NOISE = 1e-6;

function check(c: GoldenCase, name: string, got: Float64Array | null, tol = 1e-5): void {
  const want = c.tensors[name]!.data;
  expect(got, `${c.name}: ${name} missing`).not.toBeNull();
  const { rel, finite } = relFro(got!, want);
  expect(finite, `${c.name}: ${name} has non-finite values`).toBe(true);
  const wantNorm = Math.hypot(...want);
  if (wantNorm < ZERO_NOISE_NORM) {
    expect(Math.hypot(...got!), `${c.name}: ${name} should be ~0`).toBeLessThan(FLOAT32_NOISE);
  } else {
    expect(rel, `${c.name}: ${name} relFro`).toBeLessThanOrEqual(tol);
  }
}

const variants: Array<{ label: string; ub: string; cap?: number }> = [
  { label: 'UB 192 KiB', ub: '192KiB' },
  { label: 'UB 16 KiB', ub: '16KiB' },
  { label: 'UB 16 KiB, blocks capped at 4 (multi-block rows)', ub: '16KiB', cap: 4 },
  { label: 'UB 192 KiB, blocks capped at 7 (multi-block rows, tails)', ub: '192KiB', cap: 7 },
];

describe.each(variants)('golden cases, $label', ({ ub, cap }) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = runCase(
      { shape: c.shape, config: c.config, scores: c.tensors.scores!.data, weight: c.tensors.weight!.data, bias: c.bias ? c.tensors.bias!.data : null, gradOut: c.tensors.grad_out!.data },
      ub, 'float32', cap ? { maxColBlock: cap, maxRowBlock: cap } : {},
    );
    check(c, 'out', r.out);
    check(c, 'grad_scores', r.gradScores);
    check(c, 'grad_weight', r.gradWeight);
    if (c.bias) check(c, 'grad_bias', r.gradBias);
    if (cap && c.shape.L > cap) {
      expect(r.kernels.some((k) => k.includes('rowstats') || k.includes('rowact') || k.endsWith('.stats'))).toBe(true);
    }
  });
});

// Every SoC preset (its core count decides how rows are split over cores) at the two golden UB sizes.
describe.each(SOC_NAMES.flatMap((soc) => ['192KiB', '16KiB'].map((ub) => ({ soc, ub }))))('golden cases, SoC $soc, UB $ub', ({ soc, ub }) => {
  it('all 19 pass', () => {
    expect(cases.length).toBe(19);
    for (const c of cases) {
      const r = runCase(
        { shape: c.shape, config: c.config, scores: c.tensors.scores!.data, weight: c.tensors.weight!.data, bias: c.bias ? c.tensors.bias!.data : null, gradOut: c.tensors.grad_out!.data },
        ub, 'float32', {}, 'float32', { soc },
      );
      check(c, 'out', r.out);
      check(c, 'grad_scores', r.gradScores);
      check(c, 'grad_weight', r.gradWeight);
      if (c.bias) check(c, 'grad_bias', r.gradBias);
    }
  });
});

describe('golden cases in half precision GM (float32 compute)', () => {
  // Inputs rounded to 16 bits change the math itself, so the bar is the half format's own precision.
  const tolerances = { float16: 5e-3, bfloat16: 4e-2 } as const;
  for (const dtype of ['float16', 'bfloat16'] as const) {
    it.each(cases.filter((c) => c.name !== 'saturated').map((c) => [c.name, c] as const))(`${dtype} %s`, (_name, c) => {
      const r = runCase(
        { shape: c.shape, config: c.config, scores: c.tensors.scores!.data, weight: c.tensors.weight!.data, bias: c.bias ? c.tensors.bias!.data : null, gradOut: c.tensors.grad_out!.data },
        '16KiB', dtype, { maxColBlock: 5, maxRowBlock: 5 }, 'float32',
      );
      check(c, 'out', r.out, tolerances[dtype]);
      check(c, 'grad_scores', r.gradScores, tolerances[dtype] * 4);
      // The parameter gradients too (they were not checked in half precision): sums over the maps of
      // products of half-rounded values, so the half format's bar again.
      check(c, 'grad_weight', r.gradWeight, tolerances[dtype] * 4);
      if (c.bias) check(c, 'grad_bias', r.gradBias, tolerances[dtype] * 4);
    });
  }
});
