import { describe, expect, it } from 'vitest';
import { softmaxReference, sparsemaxReference } from '@mta/ops-mta/testing';
import type { MtaConfig, MtaShape } from '../src/config';
import { relFrobenius } from '../src/golden';
import { mtaBackward, mtaForward } from '../src/kernels/cpu';
import { mulberry32 } from '@mta/core';
import { geometryFor } from './support/raw-geometry';

/**
 * Float64 checks over random small configurations (both modes, softmax and sparsemax, groups,
 * dilation, rectangular kernels, asymmetric and causal pads):
 * - the fused forward against a literal, unfused reference written from the golden README
 *   (full rows, Math.exp, sort-based sparsemax, padded convolution, explicit masks);
 * - the fused backward against central finite differences of the fused forward.
 */


interface Case {
  readonly label: string;
  readonly shape: MtaShape;
  readonly config: MtaConfig;
  readonly bias: boolean;
}

function randomCase(seed: number): Case {
  const rng = mulberry32(seed);
  const int = (n: number) => Math.floor(rng() * n);
  const groups = 1 + int(2);
  const Cin = groups * (1 + int(2));
  const Cout = groups * (1 + int(2));
  const kH = 1 + int(3), kW = 1 + int(4);
  const dh = 1 + int(2), dw = 1 + int(2);
  const padH = dh * (kH - 1), padW = dw * (kW - 1);
  // A third of the cases use the paper's causal row padding (all of it above).
  const top = rng() < 0.33 ? padH : int(padH + 1);
  const left = int(padW + 1);
  const shape = { B: 1 + int(2), Cin, Cout, L: 3 + int(7), kH, kW };
  const config: MtaConfig = {
    mode: rng() < 0.5 ? 'post' : 'pre', sparse: rng() < 0.5,
    pads: [top, padH - top, left, padW - left], dilation: [dh, dw], groups,
  };
  return { label: `seed ${seed}`, shape, config, bias: rng() < 0.7 };
}

/** Configurations that must be covered whatever the random draw: every specialised inner loop. */
const FIXED: Case[] = [];
for (const mode of ['post', 'pre'] as const) {
  for (const sparse of [false, true]) {
    FIXED.push({ label: '3x3 symmetric', shape: { B: 2, Cin: 2, Cout: 2, L: 9, kH: 3, kW: 3 }, config: { mode, sparse, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 }, bias: true });
    FIXED.push({ label: '3x3 row-dilated causal', shape: { B: 1, Cin: 2, Cout: 2, L: 10, kH: 3, kW: 3 }, config: { mode, sparse, pads: [4, 0, 1, 1], dilation: [2, 1], groups: 2 }, bias: true });
    FIXED.push({ label: '2x9 paper-style', shape: { B: 1, Cin: 2, Cout: 2, L: 12, kH: 2, kW: 9 }, config: { mode, sparse, pads: [1, 0, 4, 4], dilation: [1, 1], groups: 2 }, bias: false });
    FIXED.push({ label: '3x2 column-dilated', shape: { B: 2, Cin: 1, Cout: 3, L: 7, kH: 3, kW: 2 }, config: { mode, sparse, pads: [2, 0, 0, 2], dilation: [1, 2], groups: 1 }, bias: true });
  }
}
FIXED.push(
  { label: 'L=1', shape: { B: 1, Cin: 2, Cout: 2, L: 1, kH: 3, kW: 3 }, config: { mode: 'post', sparse: false, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 }, bias: true },
  { label: 'L=2', shape: { B: 2, Cin: 1, Cout: 1, L: 2, kH: 3, kW: 3 }, config: { mode: 'pre', sparse: true, pads: [2, 0, 1, 1], dilation: [1, 1], groups: 1 }, bias: true },
  { label: 'kernel taller than L', shape: { B: 1, Cin: 1, Cout: 2, L: 3, kH: 3, kW: 5 }, config: { mode: 'post', sparse: true, pads: [4, 0, 4, 4], dilation: [2, 2], groups: 1 }, bias: true },
);
const RANDOM: Case[] = Array.from({ length: 24 }, (_, k) => randomCase(1000 + k));

function fill(length: number, rng: () => number, scale: number): Float64Array {
  const a = new Float64Array(length);
  for (let k = 0; k < length; k++) a[k] = (rng() * 2 - 1) * scale;
  return a;
}

function inputsFor(c: Case, seed: number) {
  const rng = mulberry32(seed);
  const { B, Cin, Cout, L, kH, kW } = c.shape;
  return {
    scores: fill(B * Cin * L * L, rng, 2),
    weight: fill((Cout * Cin / c.config.groups) * kH * kW, rng, 0.7),
    bias: c.bias ? fill(Cout, rng, 0.5) : null,
    gradOut: fill(B * Cout * L * L, rng, 1),
  };
}

// ---- the literal reference -------------------------------------------------------------------

const softmaxFull = (row: number[]): number[] => Array.from(softmaxReference(row));
const sparsemaxFull = (row: number[]): number[] => Array.from(sparsemaxReference(row));

function referenceForward(scores: Float64Array, weight: Float64Array, bias: Float64Array | null, shape: MtaShape, config: MtaConfig): Float64Array {
  const { B, Cin, Cout, L, kH, kW } = shape;
  const [top, , left] = config.pads;
  const [dh, dw] = config.dilation;
  const cinG = Cin / config.groups, coutG = Cout / config.groups;
  const act = config.sparse ? sparsemaxFull : softmaxFull;
  const at = (b: number, c: number, C: number, i: number, j: number) => ((b * C + c) * L + i) * L + j;
  const x = new Float64Array(B * Cin * L * L);
  for (let b = 0; b < B; b++) for (let ci = 0; ci < Cin; ci++) for (let i = 0; i < L; i++) {
    if (config.mode === 'post') {
      const row = act(Array.from({ length: L }, (_, j) => (j > i ? -1e9 : scores[at(b, ci, Cin, i, j)]!)));
      for (let j = 0; j < L; j++) x[at(b, ci, Cin, i, j)] = row[j]!;
    } else {
      for (let j = 0; j < L; j++) x[at(b, ci, Cin, i, j)] = j > i ? 0 : scores[at(b, ci, Cin, i, j)]!;
    }
  }
  const out = new Float64Array(B * Cout * L * L);
  for (let b = 0; b < B; b++) for (let co = 0; co < Cout; co++) {
    const g = Math.floor(co / coutG);
    for (let i = 0; i < L; i++) {
      const y: number[] = [];
      for (let j = 0; j < L; j++) {
        let sum = bias ? bias[co]! : 0;
        for (let cil = 0; cil < cinG; cil++) for (let kh = 0; kh < kH; kh++) for (let kw = 0; kw < kW; kw++) {
          const r = i - top + kh * dh, c = j - left + kw * dw;
          if (r < 0 || r >= L || c < 0 || c >= L) continue;
          sum += weight[((co * cinG + cil) * kH + kh) * kW + kw]! * x[at(b, g * cinG + cil, Cin, r, c)]!;
        }
        y.push(sum);
      }
      const row = config.mode === 'post' ? y.map((v, j) => (j > i ? 0 : v)) : act(y.map((v, j) => (j > i ? -1e9 : v)));
      for (let j = 0; j < L; j++) out[at(b, co, Cout, i, j)] = row[j]!;
    }
  }
  return out;
}

// ---- checks --------------------------------------------------------------------------------------

function describeCase(c: Case): string {
  const { shape: s, config: k } = c;
  return `${c.label}: ${k.mode}${k.sparse ? '/sparsemax' : '/softmax'} B${s.B} Cin${s.Cin} Cout${s.Cout} L${s.L} k${s.kH}x${s.kW} pads ${k.pads.join(',')} dil ${k.dilation.join(',')} g${k.groups}${c.bias ? ' bias' : ''}`;
}

function forwardOut(c: Case, scores: Float64Array, weight: Float64Array, bias: Float64Array | null): Float64Array {
  return mtaForward(scores, weight, bias, geometryFor(c.shape, c.config, scores, bias)).out;
}

/**
 * Central differences of loss = sum(out * gradOut) w.r.t. `target[k]` for the given indices (others
 * stay 0). The difference is taken elementwise, sum((out+ - out-) * gradOut): outputs the perturbation
 * does not reach are bit-identical and cancel exactly, so the rounding of a large loss does not swamp
 * small gradients.
 */
function numericGradient(target: Float64Array, indices: readonly number[], run: () => Float64Array, gradOut: Float64Array, h: number): Float64Array {
  const grad = new Float64Array(target.length);
  for (const k of indices) {
    const saved = target[k]!;
    target[k] = saved + h;
    const plus = run();
    target[k] = saved - h;
    const minus = run();
    target[k] = saved;
    let diff = 0;
    for (let q = 0; q < plus.length; q++) if (plus[q] !== minus[q]) diff += (plus[q]! - minus[q]!) * gradOut[q]!;
    grad[k] = diff / (2 * h);
  }
  return grad;
}

function pick(values: readonly number[], count: number, seed: number): number[] {
  if (values.length <= count) return [...values];
  const rng = mulberry32(seed);
  const copy = [...values];
  for (let k = copy.length - 1; k > 0; k--) {
    const r = Math.floor(rng() * (k + 1));
    [copy[k], copy[r]] = [copy[r]!, copy[k]!];
  }
  return copy.slice(0, count);
}

function checkCase(c: Case, seed: number, maxScoreProbes = Infinity): void {
  const h = 1e-6;
  const { scores, weight, bias, gradOut } = inputsFor(c, seed);
  const { B, Cin, L } = c.shape;
  const forward = mtaForward(scores, weight, bias, geometryFor(c.shape, c.config, scores, bias));
  const reference = referenceForward(scores, weight, bias, c.shape, c.config);
  expect(relFrobenius(forward.out, reference), `forward vs reference, ${describeCase(c)}`).toBeLessThanOrEqual(1e-12);

  const grads = mtaBackward(gradOut, forward.saved, scores, weight);
  const unmasked: number[] = [];
  for (let k = 0; k < B * Cin * L * L; k++) {
    const i = Math.floor(k / L) % L, j = k % L;
    if (j <= i) unmasked.push(k);
    else expect(Object.is(grads.gradScores[k], 0), `masked grad_scores[${k}] is exact 0`).toBe(true);
  }
  const probes = pick(unmasked, maxScoreProbes, seed + 1);
  const run = () => forwardOut(c, scores, weight, bias);
  const numericScores = numericGradient(scores, probes, run, gradOut, h);
  const analyticScores = new Float64Array(scores.length);
  for (const k of probes) analyticScores[k] = grads.gradScores[k]!;
  expect(relFrobenius(analyticScores, numericScores), `grad_scores vs finite differences, ${describeCase(c)}`).toBeLessThanOrEqual(1e-6);

  const allWeights = Array.from({ length: weight.length }, (_, k) => k);
  expect(relFrobenius(grads.gradWeight, numericGradient(weight, allWeights, run, gradOut, h)), `grad_weight, ${describeCase(c)}`).toBeLessThanOrEqual(1e-6);
  if (bias !== null) {
    const allBias = Array.from({ length: bias.length }, (_, k) => k);
    const numericBias = numericGradient(bias, allBias, run, gradOut, h);
    // In pre mode every row of the activation VJP sums to zero, so the bias gradient is 0 up to
    // rounding: compare absolutely there.
    const err = c.config.mode === 'pre' ? Math.max(...grads.gradBias!.map((v, k) => Math.abs(v - numericBias[k]!))) : relFrobenius(grads.gradBias!, numericBias);
    expect(err, `grad_bias, ${describeCase(c)}`).toBeLessThanOrEqual(1e-6);
  } else {
    expect(grads.gradBias).toBeNull();
  }
}

describe('fused CPU kernels, float64: forward vs literal reference, backward vs finite differences', () => {
  for (const c of FIXED) it(describeCase(c), () => checkCase(c, 7));
  for (const c of RANDOM) it(describeCase(c), () => checkCase(c, 11));

  it('several row bands (L = 260): bands and their halo rows add up to the unbanded result', () => {
    for (const mode of ['post', 'pre'] as const) {
      for (const sparse of [false, true]) {
        const c: Case = { label: 'banded', shape: { B: 1, Cin: 2, Cout: 2, L: 260, kH: 3, kW: 3 }, config: { mode, sparse, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 }, bias: true };
        checkCase(c, 5, 16);
      }
    }
  });
});
