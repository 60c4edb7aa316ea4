import '@mta/ops-mta/register';
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32, randNormal, Rng, tidy } from '@mta/core';
import type { MtaConfig, MtaShape } from '../src/config';
import { MtaCpuWorkspace, mtaBackward, mtaForward, type MtaArray } from '../src/kernels/cpu';
import { setF32RowKernelsEnabled } from '../src/kernels/cpu/scratch-f32';
import { setSimdRowKernelsEnabled } from '../src/kernels/cpu/scratch';
import { multiTokenAttention } from '../src';
import { arenaAndPool, bitsEqual } from './support/arena-and-pool';
import { geometryFor } from './support/raw-geometry';

/**
 * Post mode on cpu saves no probability map: the backward gets `{ geometry, probs: null }` and recomputes
 * each P row from the scores with the forward's own activation loops. The gradients must equal those of
 * the backward through a saved P bit for bit, on every path (f32x4 loops in place and staged, f64x2 wasm,
 * JavaScript; softmax and sparsemax; float32 and float64; calling thread and pool worker), and the op on the
 * cpu device must still be differentiable twice (the scores the tape keeps are not consumed).
 */

const arena = arenaAndPool();
afterEach(() => {
  setF32RowKernelsEnabled(true);
  setSimdRowKernelsEnabled(true);
});


/** A copy of `source` in the cpu arena (as the cpu device keeps its large tensors). */
function inArena(source: Float32Array): Float32Array {
  const range = arena.take(4 * source.length);
  const array = new Float32Array(range.buffer, range.byteOffset, source.length);
  array.set(source);
  return array;
}

const post: MtaConfig = { mode: 'post', sparse: false, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 };
const CASES: { name: string; shape: MtaShape; config: MtaConfig }[] = [
  { name: 'softmax 3x3, L = 41', shape: { B: 2, Cin: 3, Cout: 2, L: 41, kH: 3, kW: 3 }, config: post },
  { name: 'softmax 3x3, several bands, L = 270', shape: { B: 1, Cin: 2, Cout: 2, L: 270, kH: 3, kW: 3 }, config: post },
  { name: 'sparsemax 3x3, L = 37', shape: { B: 2, Cin: 2, Cout: 2, L: 37, kH: 3, kW: 3 }, config: { ...post, sparse: true } },
  { name: 'softmax 2x5 causal, groups 2, L = 33', shape: { B: 1, Cin: 2, Cout: 4, L: 33, kH: 2, kW: 5 }, config: { ...post, pads: [1, 0, 4, 0], groups: 2 } },
];
const PATHS = [
  { name: 'default loops', f32: true, simd: true },
  { name: 'f64x2 wasm', f32: false, simd: true },
  { name: 'JavaScript', f32: false, simd: false },
] as const;

describe('cpu backward without a saved map', () => {
  for (const c of CASES) {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const path of PATHS) {
        for (const where of ['plain arrays', 'arena, pool worker'] as const) {
          if (where !== 'plain arrays' && (dtype !== 'float32' || !path.f32)) continue;
          it(`${c.name}, ${dtype}, ${path.name}, ${where}: recomputed P gives the saved-P gradients bit for bit`, () => {
            setF32RowKernelsEnabled(path.f32);
            setSimdRowKernelsEnabled(path.simd);
            const { B, Cin, Cout, L, kH, kW } = c.shape;
            const rng = mulberry32(11);
            const make = (length: number, scale: number): MtaArray => {
              const a = dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
              for (let k = 0; k < length; k++) a[k] = (rng() * 2 - 1) * scale;
              return a;
            };
            let scores = make(B * Cin * L * L, 3);
            let gradOut = make(B * Cout * L * L, 1);
            // Masked entries may hold anything.
            for (let m = 0; m < B * Cin; m++) for (let i = 0; i < L; i++) scores[(m * L + i) * L + L - 1] = i < L - 1 ? NaN : scores[(m * L + i) * L + L - 1]!;
            const weight = make(Cout * (Cin / c.config.groups) * kH * kW, 0.5);
            const bias = make(Cout, 0.1);
            const geometry = geometryFor(c.shape, c.config, scores, bias);
            const f = mtaForward(scores, weight, bias, geometry);
            const saved = mtaBackward(gradOut, f.saved, scores, weight);
            let workspace: MtaCpuWorkspace | undefined;
            if (where !== 'plain arrays') {
              scores = inArena(scores as Float32Array);
              gradOut = inArena(gradOut as Float32Array);
              workspace = new MtaCpuWorkspace({ pool: arena.pool(), minParallelMacs: 0 });
            }
            const before = arena.pool().workerItems;
            const scoresCopy = scores.slice();
            const recomputed = mtaBackward(gradOut, { geometry, probs: null }, scores, weight, {}, workspace);
            if (workspace !== undefined) expect(arena.pool().workerItems - before, 'items the worker ran').toBeGreaterThan(0);
            expect(bitsEqual(recomputed.gradScores, saved.gradScores), 'gradScores').toBeNull();
            expect(bitsEqual(recomputed.gradWeight, saved.gradWeight), 'gradWeight').toBeNull();
            expect(bitsEqual(recomputed.gradBias!, saved.gradBias!), 'gradBias').toBeNull();
            expect(bitsEqual(scores, scoresCopy), 'scores are read only').toBeNull();
          });
        }
      }
    }
  }

  it('pre mode needs its saved output', () => {
    const shape: MtaShape = { B: 1, Cin: 2, Cout: 2, L: 8, kH: 3, kW: 3 };
    const scores = new Float32Array(2 * 64);
    const geometry = geometryFor(shape, { ...post, mode: 'pre' }, scores, null);
    expect(() => mtaBackward(new Float32Array(2 * 64), { geometry, probs: null }, scores, new Float32Array(36))).toThrow(/saved\.probs/);
  });

  it('the op on cpu: backward twice accumulates the same gradients twice', () => {
    const rng = new Rng(9);
    const scores = randNormal(rng, [1, 2, 29, 29], 0, 1, { requiresGrad: true });
    const weight = randNormal(rng, [2, 2, 3, 3], 0, 0.5, { requiresGrad: true });
    const g = randNormal(rng, [1, 2, 29, 29]);
    tidy(() => {
      const out = multiTokenAttention(scores, weight, null, { padding: 1 });
      out.backward(g);
      const once = scores.grad!.toArray().slice();
      const onceW = weight.grad!.toArray().slice();
      out.backward(g);
      const twice = scores.grad!.toArray();
      const twiceW = weight.grad!.toArray();
      for (let k = 0; k < once.length; k++) expect(twice[k]).toBe(Math.fround(once[k]! * 2));
      for (let k = 0; k < onceW.length; k++) expect(twiceW[k]).toBe(Math.fround(onceW[k]! * 2));
    });
  });
});
