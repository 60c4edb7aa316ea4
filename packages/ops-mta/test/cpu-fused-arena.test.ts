import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@mta/core';
import type { MtaConfig, MtaShape } from '../src/config';
import { MtaCpuWorkspace, mtaBackward, mtaForward } from '../src/kernels/cpu';
import { arenaAndPool, bitsEqual } from './support/arena-and-pool';
import { geometryFor } from './support/raw-geometry';

/**
 * The float32 loops on maps that live in the cpu arena (the cpu device's large tensors): they read and
 * write the rows in place, on the calling thread and on pool workers. The same wasm arithmetic runs when
 * rows are staged (maps outside the arena), so in-place results must equal staged ones bit for bit, and
 * bytes around each map (other threads' rows, neighbouring allocations) must stay untouched. Lengths
 * that are not multiples of 4 make the last row of a map end inside a quad.
 */

const arena = arenaAndPool();

/** A float32 array in the arena with `guard` sentinel floats before and after it. */
function inArena(length: number, guard = 8): { array: Float32Array; guards: () => boolean } {
  const range = arena.take(4 * (length + 2 * guard));
  const all = new Float32Array(range.buffer, range.byteOffset, length + 2 * guard).fill(-7.25);
  const array = all.subarray(guard, guard + length);
  return { array, guards: () => all.subarray(0, guard).every((v) => v === -7.25) && all.subarray(guard + length).every((v) => v === -7.25) };
}


const post: MtaConfig = { mode: 'post', sparse: false, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 };
const SETTINGS: { name: string; shape: MtaShape; config: MtaConfig; bias: boolean }[] = [
  { name: 'post, L = 41, 2 batches', shape: { B: 2, Cin: 3, Cout: 2, L: 41, kH: 3, kW: 3 }, config: post, bias: true },
  { name: 'post, several bands, L = 270', shape: { B: 1, Cin: 2, Cout: 3, L: 270, kH: 3, kW: 3 }, config: post, bias: true },
  { name: 'pre, groups 2, L = 37', shape: { B: 2, Cin: 4, Cout: 2, L: 37, kH: 3, kW: 3 }, config: { ...post, mode: 'pre', groups: 2 }, bias: true },
  { name: '2x3 causal post, L = 33', shape: { B: 2, Cin: 2, Cout: 4, L: 33, kH: 2, kW: 3 }, config: { mode: 'post', sparse: false, pads: [1, 0, 2, 0], dilation: [1, 1], groups: 2 }, bias: true },
];

describe('float32 loops on maps in the cpu arena', () => {
  for (const setting of SETTINGS) {
    for (const threaded of [false, true]) {
      it(`${setting.name}, ${threaded ? 'pool worker' : 'calling thread'}: in place equals staged, bit for bit`, () => {
        const { B, Cin, Cout, L, kH, kW } = setting.shape;
        const pre = setting.config.mode === 'pre';
        const rng = mulberry32(5);
        const fill = (a: Float32Array, scale: number, channels: number) => {
          for (let k = 0; k < a.length; k++) a[k] = (rng() * 2 - 1) * scale;
          // Masked entries may hold anything.
          for (let m = 0; m < B * channels; m++) for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) a[(m * L + i) * L + j] = NaN;
        };
        const plainScores = new Float32Array(B * Cin * L * L);
        const plainGradOut = new Float32Array(B * Cout * L * L);
        fill(plainScores, 3, Cin);
        fill(plainGradOut, 1, Cout);
        const weight = Float32Array.from({ length: Cout * (Cin / setting.config.groups) * kH * kW }, () => rng() - 0.5);
        const bias = setting.bias ? Float32Array.from({ length: Cout }, () => rng() - 0.5) : null;
        const geometry = geometryFor(setting.shape, setting.config, plainScores, bias);
        const workspace = threaded ? new MtaCpuWorkspace({ pool: arena.pool(), minParallelMacs: 0 }) : new MtaCpuWorkspace();

        const staged = (() => {
          const f = mtaForward(plainScores, weight, bias, geometry, undefined, new MtaCpuWorkspace());
          const b = mtaBackward(plainGradOut, f.saved, plainScores, weight, {}, new MtaCpuWorkspace());
          return { out: f.out, probs: f.saved.probs, ...b };
        })();

        const scores = inArena(plainScores.length);
        const gradOut = inArena(plainGradOut.length);
        scores.array.set(plainScores);
        gradOut.array.set(plainGradOut);
        const out = inArena(B * Cout * L * L);
        const probs = inArena(B * Cin * L * L);
        const gradScores = inArena(B * Cin * L * L);
        const before = arena.pool().workerItems;
        const f = mtaForward(scores.array, weight, bias, geometry, pre ? { out: out.array } : { out: out.array, probs: probs.array }, workspace);
        const b = mtaBackward(gradOut.array, f.saved, scores.array, weight, { gradScores: gradScores.array }, workspace);
        if (threaded) expect(arena.pool().workerItems - before, 'items the worker ran').toBeGreaterThan(0);

        expect(bitsEqual(out.array, staged.out), 'out').toBeNull();
        if (!pre) expect(bitsEqual(probs.array, staged.probs), 'probs').toBeNull();
        expect(bitsEqual(gradScores.array, staged.gradScores), 'gradScores').toBeNull();
        expect(bitsEqual(b.gradWeight as Float32Array, staged.gradWeight as Float32Array), 'gradWeight').toBeNull();
        expect(bitsEqual(b.gradBias as Float32Array, staged.gradBias as Float32Array), 'gradBias').toBeNull();
        for (const [name, m] of Object.entries({ scores, gradOut, out, gradScores, ...(pre ? {} : { probs }) })) {
          expect(m.guards(), `${name}: bytes around the map untouched`).toBe(true);
        }
        expect(bitsEqual(scores.array, plainScores), 'scores are read only').toBeNull();
      });
    }
  }
});
