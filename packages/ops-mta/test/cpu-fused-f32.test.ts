import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '@mta/core';
import type { MtaConfig, MtaShape } from '../src/config';
import { relFrobenius } from '../src/golden';
import { mtaBackward, mtaForward, type MtaArray } from '../src/kernels/cpu';
import { f32RowKernelsActive } from '../src/kernels/cpu/job';
import { planCpuWork } from '../src/kernels/cpu/plan';
import { setF32RowKernelsEnabled } from '../src/kernels/cpu/scratch-f32';
import { geometryFor } from './support/raw-geometry';

/**
 * The float32 f32x4 wasm kernels (wasm/rows-f32.wat) against the float64 path run on the same inputs
 * widened to float64 (an independent reference: other loops, other precision). Lengths that are not
 * multiples of 4 exercise the masked tail lanes; NaN above the diagonal checks that those lanes never
 * reach a result; L = 270 has several row bands (halo rows, per-item gradient sums).
 */

afterEach(() => setF32RowKernelsEnabled(true));

const post: MtaConfig = { mode: 'post', sparse: false, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 };
const SETTINGS: { name: string; shape: MtaShape; config: MtaConfig; bias: boolean }[] = [
  { name: '3x3 post, L=41', shape: { B: 2, Cin: 3, Cout: 2, L: 41, kH: 3, kW: 3 }, config: post, bias: true },
  { name: '3x3 post, L=4 (one quad)', shape: { B: 1, Cin: 2, Cout: 2, L: 4, kH: 3, kW: 3 }, config: post, bias: true },
  { name: '3x3 post, multi-band L=270', shape: { B: 1, Cin: 2, Cout: 3, L: 270, kH: 3, kW: 3 }, config: post, bias: true },
  { name: '3x3 pre, groups 2, no bias', shape: { B: 2, Cin: 4, Cout: 2, L: 37, kH: 3, kW: 3 }, config: { ...post, mode: 'pre', groups: 2 }, bias: false },
  { name: '3x3 pre causal, row dilation 2', shape: { B: 1, Cin: 2, Cout: 2, L: 30, kH: 3, kW: 3 }, config: { mode: 'pre', sparse: false, pads: [4, 0, 1, 1], dilation: [2, 1], groups: 1 }, bias: true },
  { name: '2x3 causal post (conv3 rows)', shape: { B: 2, Cin: 2, Cout: 4, L: 33, kH: 2, kW: 3 }, config: { mode: 'post', sparse: false, pads: [1, 0, 2, 0], dilation: [1, 1], groups: 2 }, bias: true },
];

/** Float32 rounding of ~36-term dot products: well inside golden's 1e-5, far above float64 noise. */
const TOLERANCE = 2e-6;

function widen(a: Float32Array): Float64Array {
  return Float64Array.from(a);
}

describe('f32x4 wasm kernels vs the float64 path', () => {
  for (const setting of SETTINGS) {
    it(setting.name, () => {
      const { B, Cin, Cout, L, kH, kW } = setting.shape;
      const rng = mulberry32(11);
      const make = (n: number, scale: number) => Float32Array.from({ length: n }, () => (rng() * 2 - 1) * scale);
      const scores = make(B * Cin * L * L, 3);
      const gradOut = make(B * Cout * L * L, 1);
      // Masked entries may hold anything; NaN there must not reach any result.
      for (let m = 0; m < B * Cin; m++) for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) scores[(m * L + i) * L + j] = NaN;
      for (let m = 0; m < B * Cout; m++) for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) gradOut[(m * L + i) * L + j] = NaN;
      const weight = make(Cout * (Cin / setting.config.groups) * kH * kW, 0.5);
      const bias = setting.bias ? make(Cout, 0.3) : null;

      const geometry = geometryFor(setting.shape, setting.config, scores, bias);
      expect(f32RowKernelsActive(planCpuWork(geometry))).toBe(true);
      const fwd = mtaForward(scores, weight, bias, geometry);
      const bwd = mtaBackward(gradOut, fwd.saved, scores, weight);

      const scores64 = widen(scores);
      const weight64 = widen(weight);
      const bias64 = bias ? widen(bias) : null;
      const geometry64 = geometryFor(setting.shape, setting.config, scores64, bias64);
      const ref = mtaForward(scores64, weight64, bias64, geometry64);
      const refBwd = mtaBackward(widen(gradOut), ref.saved, scores64, weight64);

      const close = (got: MtaArray, expected: MtaArray, label: string) => {
        for (let k = 0; k < got.length; k++) if (!Number.isFinite(got[k])) throw new Error(`${label}[${k}] = ${got[k]}`);
        expect(relFrobenius(got, expected), label).toBeLessThanOrEqual(TOLERANCE);
      };
      close(fwd.out, ref.out, 'out');
      close(fwd.saved.probs, ref.saved.probs, 'saved map');
      close(bwd.gradScores, refBwd.gradScores, 'grad_scores');
      close(bwd.gradWeight, refBwd.gradWeight, 'grad_weight');
      if (bias && setting.config.mode === 'post') close(bwd.gradBias!, refBwd.gradBias!, 'grad_bias');
      if (bias && setting.config.mode === 'pre') {
        // Each row of a softmax VJP sums to zero, so grad_bias is rounding noise around 0: bound it absolutely
        // (both paths compute it as dot (1 - sum O) in float64, so the bound is tight).
        for (let co = 0; co < Cout; co++) expect(Math.abs(bwd.gradBias![co]! - refBwd.gradBias![co]!), 'grad_bias').toBeLessThanOrEqual(1e-6);
      }
      // Masked entries are exact zeros.
      for (let m = 0; m < B * Cout; m++) for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) {
        if (!Object.is(fwd.out[(m * L + i) * L + j], 0)) throw new Error(`out (${m}, ${i}, ${j}) is ${fwd.out[(m * L + i) * L + j]}`);
      }
    });
  }

  it('switched off, float32 calls take the float64 path', () => {
    setF32RowKernelsEnabled(false);
    const s = SETTINGS[0]!;
    expect(f32RowKernelsActive(planCpuWork(geometryFor(s.shape, s.config, new Float32Array(1), null)))).toBe(false);
  });
});
