import { afterEach, describe, expect, it } from 'vitest';
import type { MtaConfig, MtaShape } from '../src/config';
import { relFrobenius } from '../src/golden';
import { mtaBackward, mtaForward, type MtaArray } from '../src/kernels/cpu';
import { planCpuWork } from '../src/kernels/cpu/plan';
import { setSimdRowKernelsEnabled, simdRowKernelsActive } from '../src/kernels/cpu/scratch';
import { setF32RowKernelsEnabled } from '../src/kernels/cpu/scratch-f32';
import { mulberry32 } from '@mta/core';
import { geometryFor } from './support/raw-geometry';
import { mtaGeometry } from '../src/geometry';

/**
 * The float64 WebAssembly SIMD row loops (wasm/rows-f64.wat) against the JavaScript loops they replace: each
 * output element uses the same operations in the same order, so outputs and grad_scores are
 * bit-identical; the weight/bias gradient sums are reassociated (two lanes), so those agree to rounding.
 * (Float32 softmax calls with 3-wide kernels normally run on the f32x4 loops; here those are switched
 * off, and cpu-fused-f32.test.ts compares them with the float64 path.)
 */

afterEach(() => { setSimdRowKernelsEnabled(true); setF32RowKernelsEnabled(true); });


function firstDifference(a: MtaArray, b: MtaArray): string | null {
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return `index ${k}: ${a[k]} vs ${b[k]}`;
  return null;
}

const SETTINGS: { name: string; shape: MtaShape; config: MtaConfig }[] = [
  { name: '3x3 symmetric post (conv3x3 + grad3)', shape: { B: 2, Cin: 3, Cout: 2, L: 41, kH: 3, kW: 3 }, config: { mode: 'post', sparse: false, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 } },
  { name: '3x3 row-dilated causal pre sparsemax', shape: { B: 1, Cin: 2, Cout: 2, L: 36, kH: 3, kW: 3 }, config: { mode: 'pre', sparse: true, pads: [4, 0, 1, 1], dilation: [2, 1], groups: 2 } },
  { name: '2x3 causal post sparsemax (conv3 + grad3)', shape: { B: 2, Cin: 2, Cout: 4, L: 33, kH: 2, kW: 3 }, config: { mode: 'post', sparse: true, pads: [1, 0, 2, 0], dilation: [1, 1], groups: 2 } },
  { name: 'banded L=270', shape: { B: 1, Cin: 2, Cout: 2, L: 270, kH: 3, kW: 3 }, config: { mode: 'post', sparse: false, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 } },
];

describe('wasm SIMD row loops vs JavaScript row loops', () => {
  it('SIMD is available on this engine (otherwise the JavaScript loops run everywhere)', () => {
    expect(simdRowKernelsActive(planCpuWork(mtaGeometry(SETTINGS[0]!.shape, SETTINGS[0]!.config, { hasBias: true, dtype: 'float32' })))).toBe(true);
  });

  for (const setting of SETTINGS) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${setting.name}, ${dtype}`, () => {
        const { B, Cin, Cout, L, kH, kW } = setting.shape;
        const rng = mulberry32(5);
        const make = (n: number, scale: number) => {
          const a = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
          for (let k = 0; k < n; k++) a[k] = (rng() * 2 - 1) * scale;
          return a;
        };
        const scores = make(B * Cin * L * L, 2);
        const weight = make(Cout * (Cin / setting.config.groups) * kH * kW, 0.5);
        const bias = make(Cout, 0.3);
        const gradOut = make(B * Cout * L * L, 1);
        const run = (simd: boolean) => {
          setSimdRowKernelsEnabled(simd);
          setF32RowKernelsEnabled(false);
          const geometry = geometryFor(setting.shape, setting.config, scores, bias);
          expect(simdRowKernelsActive(planCpuWork(geometry))).toBe(simd);
          const forward = mtaForward(scores, weight, bias, geometry);
          const backward = mtaBackward(gradOut, forward.saved, scores, weight);
          return { ...forward, ...backward };
        };
        const js = run(false);
        const simd = run(true);
        expect(firstDifference(simd.out, js.out), 'out').toBeNull();
        expect(firstDifference(simd.saved.probs, js.saved.probs), 'saved probs').toBeNull();
        expect(firstDifference(simd.gradScores, js.gradScores), 'grad_scores').toBeNull();
        expect(relFrobenius(simd.gradWeight, js.gradWeight), 'grad_weight').toBeLessThanOrEqual(dtype === 'float32' ? 1e-7 : 1e-13);
        expect(relFrobenius(simd.gradBias!, js.gradBias!), 'grad_bias').toBe(0);
      });
    }
  }
});
