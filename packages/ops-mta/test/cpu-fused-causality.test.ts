import { describe, expect, it } from 'vitest';
import type { MtaConfig, MtaShape } from '../src/config';
import { mtaBackward, mtaForward, type MtaArray } from '../src/kernels/cpu';
import { mulberry32 } from '@mta/core';
import { geometryFor } from './support/raw-geometry';

/**
 * Causality of the fused kernels:
 * - masked scores (j > i) are never read: setting them to NaN, infinities or random values changes no
 *   output or gradient bit, whatever the padding;
 * - with the paper's causal row padding [dh*(kH-1), 0, ...] a change in score row r changes no
 *   output row above r, in both modes (and does change some row, so the probe is not vacuous; the
 *   same probe finds the leak of Liger's symmetric padding).
 */


function filled<T extends MtaArray>(array: T, rng: () => number, scale: number): T {
  for (let k = 0; k < array.length; k++) array[k] = (rng() * 2 - 1) * scale;
  return array;
}

function bitsEqual(a: MtaArray, b: MtaArray): string | null {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return `index ${k}: ${a[k]} vs ${b[k]}`;
  return null;
}

function run<T extends MtaArray>(scores: T, weight: T, bias: T, gradOut: T, shape: MtaShape, config: MtaConfig) {
  const forward = mtaForward(scores, weight, bias, geometryFor(shape, config, scores, bias));
  const backward = mtaBackward(gradOut, forward.saved, scores, weight);
  return { out: forward.out, probs: forward.saved.probs, ...backward, gradBias: backward.gradBias! };
}

const MODES: readonly (readonly [MtaConfig['mode'], boolean])[] = [['post', false], ['post', true], ['pre', false], ['pre', true]];

describe('masked scores never reach any output or gradient', () => {
  const layouts: { name: string; shape: MtaShape; pads: MtaConfig['pads']; dilation: MtaConfig['dilation']; groups: number }[] = [
    { name: 'symmetric 3x3', shape: { B: 2, Cin: 2, Cout: 2, L: 17, kH: 3, kW: 3 }, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 },
    { name: 'causal 2x5 grouped', shape: { B: 1, Cin: 2, Cout: 4, L: 16, kH: 2, kW: 5 }, pads: [1, 0, 2, 2], dilation: [1, 1], groups: 2 },
    { name: 'dilated, bottom-heavy rows', shape: { B: 1, Cin: 3, Cout: 3, L: 13, kH: 3, kW: 2 }, pads: [0, 4, 2, 0], dilation: [2, 2], groups: 3 },
    { name: 'banded L=260', shape: { B: 1, Cin: 1, Cout: 1, L: 260, kH: 3, kW: 3 }, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 },
  ];
  for (const layout of layouts) {
    for (const [mode, sparse] of MODES) {
      for (const dtype of ['float32', 'float64'] as const) {
        it(`${layout.name}, ${mode}${sparse ? '/sparsemax' : '/softmax'}, ${dtype}`, () => {
          const { shape } = layout;
          const config: MtaConfig = { mode, sparse, pads: layout.pads, dilation: layout.dilation, groups: layout.groups };
          const make = (n: number) => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));
          const rng = mulberry32(42);
          const map = shape.B * shape.Cin * shape.L * shape.L;
          const scores = filled(make(map), rng, 3);
          const weight = filled(make(shape.Cout * (shape.Cin / layout.groups) * shape.kH * shape.kW), rng, 0.5);
          const bias = filled(make(shape.Cout), rng, 0.5);
          const gradOut = filled(make(shape.B * shape.Cout * shape.L * shape.L), rng, 1);
          const base = run(scores, weight, bias, gradOut, shape, config);
          const poisons = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e30, -1e30];
          for (let variant = 0; variant < 3; variant++) {
            const poisoned = scores.slice();
            const poisonedGrad = gradOut.slice();
            for (let k = 0; k < map; k++) {
              const i = Math.floor(k / shape.L) % shape.L, j = k % shape.L;
              if (j > i) poisoned[k] = variant < 2 ? poisons[(k + variant) % poisons.length]! : rng() * 100;
            }
            // Masked output positions of grad_out must not matter either (the output is 0 there).
            for (let k = 0; k < poisonedGrad.length; k++) {
              const i = Math.floor(k / shape.L) % shape.L, j = k % shape.L;
              if (j > i) poisonedGrad[k] = Number.NaN;
            }
            const other = run(poisoned, weight, bias, poisonedGrad, shape, config);
            for (const key of ['out', 'probs', 'gradScores', 'gradWeight', 'gradBias'] as const) {
              expect(bitsEqual(other[key], base[key]), `${key} (variant ${variant})`).toBeNull();
            }
          }
        });
      }
    }
  }
});

describe('with causal row padding, score row r does not influence output rows above r', () => {
  const kernels: { name: string; kH: number; kW: number; dilation: MtaConfig['dilation']; colPads: [number, number] }[] = [
    { name: '3x3', kH: 3, kW: 3, dilation: [1, 1], colPads: [1, 1] },
    { name: '2x9 (paper)', kH: 2, kW: 9, dilation: [1, 1], colPads: [4, 4] },
    { name: '3x2 row dilation 2', kH: 3, kW: 2, dilation: [2, 1], colPads: [1, 0] },
  ];
  for (const kernel of kernels) {
    for (const [mode, sparse] of MODES) {
      it(`${kernel.name}, ${mode}${sparse ? '/sparsemax' : '/softmax'}`, () => {
        const L = 14;
        const shape: MtaShape = { B: 1, Cin: 2, Cout: 2, L, kH: kernel.kH, kW: kernel.kW };
        const config: MtaConfig = {
          mode, sparse, groups: 1, dilation: kernel.dilation,
          pads: [kernel.dilation[0] * (kernel.kH - 1), 0, kernel.colPads[0], kernel.colPads[1]],
        };
        const rng = mulberry32(7);
        // Small scores keep several keys in each sparsemax support, so a changed row changes something.
        const scores = filled(new Float64Array(2 * L * L), rng, 0.3);
        const weight = filled(new Float64Array(2 * 2 * kernel.kH * kernel.kW), rng, 0.8);
        const bias = filled(new Float64Array(2), rng, 0.3);
        const base = mtaForward(scores, weight, bias, geometryFor(shape, config, scores, bias)).out;
        // Row 0 is left out: it has one unmasked key, so its softmax|sparsemax is 1 whatever the score.
        for (const r of [1, 3, 8, L - 1]) {
          const changed = scores.slice();
          // Change row r of one channel at every unmasked key.
          for (let c = 0; c <= r; c++) changed[(1 * L + r) * L + c] += 0.2 * (rng() - 0.5);
          const out = mtaForward(changed, weight, bias, geometryFor(shape, config, changed, bias)).out;
          let firstChangedRow = L;
          for (let k = 0; k < out.length; k++) {
            if (!Object.is(out[k], base[k])) firstChangedRow = Math.min(firstChangedRow, Math.floor(k / L) % L);
          }
          expect(firstChangedRow, `changing row ${r}: first output row that changed`).toBeGreaterThanOrEqual(r);
          expect(firstChangedRow, `changing row ${r} changes some output row`).toBeLessThan(L);
        }
      });
    }
  }

  it('Liger symmetric padding is not causal (output row r - 1 sees score row r): the probe detects leaks', () => {
    const L = 10;
    const shape: MtaShape = { B: 1, Cin: 1, Cout: 1, L, kH: 3, kW: 3 };
    const config: MtaConfig = { mode: 'post', sparse: false, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 };
    const rng = mulberry32(3);
    const scores = filled(new Float64Array(L * L), rng, 2);
    const weight = filled(new Float64Array(9), rng, 0.8);
    const base = mtaForward(scores, weight, null, geometryFor(shape, config, scores, null)).out;
    const changed = scores.slice();
    for (let c = 0; c <= 5; c++) changed[5 * L + c] += rng(); // not a constant shift: softmax ignores those
    const out = mtaForward(changed, weight, null, geometryFor(shape, config, changed, null)).out;
    let leaked = false;
    for (let j = 0; j < L; j++) if (out[4 * L + j] !== base[4 * L + j]) leaked = true;
    expect(leaked).toBe(true);
  });
});
