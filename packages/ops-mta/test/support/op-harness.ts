import { Rng, tensor, tidy, type FloatDType, type Tensor } from '@mta/core';
import { multiTokenAttention, type MtaOptions, type MtaShape } from '@mta/ops-mta';

/**
 * Shared helpers of the op-level tests (op-*.test.ts): build operands, run multiTokenAttention forward and
 * backward through the public API (autograd tape, dispatch, device kernels), and compare results.
 */

export type DeviceName = 'cpu' | 'npu';

/** Host-side operands of one MTA call; the dtype and device are chosen per run. */
export interface MtaOperands extends MtaShape {
  readonly groups: number;
  readonly scores: Float64Array;
  readonly weight: Float64Array;
  readonly bias: Float64Array | null;
  readonly gradOut: Float64Array;
}

/** Results copied out to float64 host arrays (float32 -> float64 is exact, so bit comparisons still mean something). */
export interface MtaRun {
  readonly out: Float64Array;
  readonly gradScores: Float64Array;
  readonly gradWeight: Float64Array;
  readonly gradBias: Float64Array | null;
}

export function randomValues(rng: Rng, n: number, scale = 1): Float64Array {
  const v = new Float64Array(n);
  for (let k = 0; k < n; k++) v[k] = rng.normal() * scale;
  return v;
}

export function randomOperands(seed: number, sizes: { B: number; Cin: number; Cout: number; L: number; kH: number; kW: number; groups?: number; bias?: boolean; scoreScale?: number }): MtaOperands {
  const rng = new Rng(seed);
  const groups = sizes.groups ?? 1;
  const { B, Cin, Cout, L, kH, kW } = sizes;
  return {
    B, Cin, Cout, L, kH, kW, groups,
    scores: randomValues(rng, B * Cin * L * L, sizes.scoreScale ?? 1),
    weight: randomValues(rng, Cout * (Cin / groups) * kH * kW, 0.5),
    bias: sizes.bias === false ? null : randomValues(rng, Cout, 0.5),
    gradOut: randomValues(rng, B * Cout * L * L),
  };
}

export interface RunSettings {
  readonly device?: DeviceName;
  readonly dtype?: FloatDType;
}

/** The operands as fresh leaf tensors (requiresGrad) on the device, in the dtype. */
function leaves(ops: MtaOperands, { device = 'cpu', dtype = 'float32' }: RunSettings = {}) {
  const make = (v: Float64Array, shape: number[]) => tensor(v, shape, { dtype, device, requiresGrad: true });
  return {
    scores: make(ops.scores, [ops.B, ops.Cin, ops.L, ops.L]),
    weight: make(ops.weight, [ops.Cout, ops.Cin / ops.groups, ops.kH, ops.kW]),
    bias: ops.bias ? make(ops.bias, [ops.Cout]) : null,
    gradOut: tensor(ops.gradOut, [ops.B, ops.Cout, ops.L, ops.L], { dtype, device }),
  };
}

const host = (t: Tensor | null | undefined): Float64Array | null => (t ? Float64Array.from(t.toArray() as ArrayLike<number>) : null);

/** out = multiTokenAttention(...); out.backward(gradOut); everything copied out and every tensor freed. */
export function runMta(ops: MtaOperands, options: MtaOptions, settings: RunSettings = {}): MtaRun {
  const t = leaves(ops, settings);
  try {
    return tidy(() => {
      const out = multiTokenAttention(t.scores, t.weight, t.bias, options);
      out.backward(t.gradOut);
      const missing = !t.scores.grad || !t.weight.grad || (t.bias !== null && !t.bias.grad);
      if (missing) throw new Error('runMta: backward left a leaf without a gradient');
      return { out: host(out)!, gradScores: host(t.scores.grad)!, gradWeight: host(t.weight.grad)!, gradBias: host(t.bias?.grad) };
    });
  } finally {
    for (const leaf of [t.scores, t.weight, t.bias, t.gradOut]) {
      leaf?.grad?.dispose();
      leaf?.dispose();
    }
  }
}

export function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * a[k]!;
  return Math.sqrt(s);
}

/**
 * The relative Frobenius error with the conformance report's noise floor (examples/conformance/src/compare.ts,
 * NOISE_FLOOR): a gradient that is zero in exact arithmetic (pre-mode bias gradient) is stored as float64
 * round-off, so for such a gradient (pass gradOutNorm) the denominator is max(||expected||, 1e-3 * ||grad_out||);
 * pass null for every other tensor. Infinity when any value is not finite, so `<= tolerance` fails on NaN/Inf.
 */
export const NOISE_FLOOR = 1e-3;

export function relFroFloored(got: ArrayLike<number>, expected: ArrayLike<number>, gradOutNorm: number | null): number {
  if (got.length !== expected.length) throw new Error(`relFroFloored: got ${got.length} values, expected ${expected.length}`);
  let diff = 0;
  for (let k = 0; k < got.length; k++) {
    if (!Number.isFinite(got[k]!) || !Number.isFinite(expected[k]!)) return Number.POSITIVE_INFINITY;
    diff += (got[k]! - expected[k]!) ** 2;
  }
  const denominator = Math.max(frobenius(expected), gradOutNorm === null ? 0 : NOISE_FLOOR * gradOutNorm);
  return denominator === 0 ? Math.sqrt(diff) : Math.sqrt(diff) / denominator;
}

export type GradName = 'gradScores' | 'gradWeight' | 'gradBias';

/**
 * The gradients that are zero in exact arithmetic (examples/conformance/src/compare.ts, exactlyZeroGradients):
 * pre mode's bias gradient, and at L = 1 the scores' (and in pre mode the weight's). Only these get the floor:
 * flooring every small gradient would loosen the check of real ones as ||grad_out|| grows with L.
 */
export function exactlyZeroGrads(mode: 'post' | 'pre', L: number, bias: boolean): GradName[] {
  const zero: GradName[] = [];
  if (mode === 'pre' && bias) zero.push('gradBias');
  if (L === 1) zero.push('gradScores', ...(mode === 'pre' ? (['gradWeight'] as const) : []));
  return zero;
}

/** Per-tensor relative errors of a run against expected results (the `exactZero` gradients floored as above). */
export function runErrors(got: MtaRun, expected: MtaRun, gradOut: ArrayLike<number>, exactZero: readonly GradName[] = []): Record<string, number> {
  const g = frobenius(gradOut);
  const floor = (name: GradName): number | null => (exactZero.includes(name) ? g : null);
  const errors: Record<string, number> = {
    out: relFroFloored(got.out, expected.out, null),
    gradScores: relFroFloored(got.gradScores, expected.gradScores, floor('gradScores')),
    gradWeight: relFroFloored(got.gradWeight, expected.gradWeight, floor('gradWeight')),
  };
  if ((got.gradBias === null) !== (expected.gradBias === null)) errors.gradBias = Number.POSITIVE_INFINITY;
  else if (got.gradBias && expected.gradBias) errors.gradBias = relFroFloored(got.gradBias, expected.gradBias, floor('gradBias'));
  return errors;
}

/** The first bitwise difference between two arrays (Object.is, so NaN equals NaN and -0 differs from 0), or null. */
export function firstBitDifference(a: ArrayLike<number> | null, b: ArrayLike<number> | null): string | null {
  if (a === null || b === null) return a === b ? null : 'one of the two is null';
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return `index ${k}: ${a[k]} vs ${b[k]}`;
  return null;
}

export function allFiniteValues(a: ArrayLike<number>): boolean {
  for (let k = 0; k < a.length; k++) if (!Number.isFinite(a[k]!)) return false;
  return true;
}

/** Row (query) and column (key) of flat index k in a (..., L, L) map. */
export function rowCol(k: number, L: number): [row: number, col: number] {
  return [Math.floor(k / L) % L, k % L];
}
