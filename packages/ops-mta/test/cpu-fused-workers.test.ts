import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MtaConfig, MtaShape } from '../src/config';
import { MtaCpuWorkspace, allocateMtaArray, mtaBackward, mtaForward, type MtaArray } from '../src/kernels/cpu';
import { MtaCpuPool } from '../src/kernels/cpu/pool';
import { mulberry32 } from '@mta/core';
import { geometryFor } from './support/raw-geometry';

/**
 * The worker_threads path against the synchronous path: the work split depends only on the shape and
 * per-item gradient sums are added in item order, so results must be bit-identical.
 */


function bitsEqual(a: MtaArray | null, b: MtaArray | null): string | null {
  if (a === null || b === null) return a === b ? null : 'one is null';
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return `index ${k}: ${a[k]} vs ${b[k]}`;
  return null;
}

let pool: MtaCpuPool;
beforeAll(async () => {
  // The caller only waits: every item runs on the worker, so bit identity below is the worker's result.
  // A short timeout: a worker that never wakes fails the call in 20 s instead of blocking this thread in
  // Atomics.wait for the pool's default 10 minutes (vitest's timeout cannot interrupt a blocked thread).
  pool = await MtaCpuPool.create({ threads: 2, callerWorks: false, timeoutMs: 20_000 });
});
afterAll(async () => {
  await pool.close();
});

interface Setting {
  readonly name: string;
  readonly shape: MtaShape;
  readonly config: MtaConfig;
  readonly bias: boolean;
}

const SETTINGS: Setting[] = [
  { name: 'benchmark layout, 2 batches x 3 bands', shape: { B: 2, Cin: 4, Cout: 4, L: 384, kH: 3, kW: 3 }, config: { mode: 'post', sparse: false, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 }, bias: true },
  { name: 'one batch, 4 bands, sparsemax', shape: { B: 1, Cin: 2, Cout: 2, L: 515, kH: 3, kW: 3 }, config: { mode: 'post', sparse: true, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 }, bias: true },
  { name: 'pre, paper kernel, grouped', shape: { B: 3, Cin: 2, Cout: 2, L: 300, kH: 2, kW: 9 }, config: { mode: 'pre', sparse: false, pads: [1, 0, 4, 4], dilation: [1, 1], groups: 2 }, bias: false },
  { name: 'pre sparsemax, dilated, Cout != Cin', shape: { B: 1, Cin: 2, Cout: 4, L: 260, kH: 3, kW: 2 }, config: { mode: 'pre', sparse: true, pads: [4, 0, 1, 1], dilation: [2, 2], groups: 2 }, bias: true },
  { name: 'small, one item', shape: { B: 1, Cin: 1, Cout: 1, L: 20, kH: 3, kW: 3 }, config: { mode: 'post', sparse: false, pads: [2, 0, 1, 1], dilation: [1, 1], groups: 1 }, bias: true },
];

function inputs(setting: Setting, dtype: 'float32' | 'float64', shared: boolean) {
  const { B, Cin, Cout, L, kH, kW } = setting.shape;
  const rng = mulberry32(99);
  const make = (n: number, scale: number, isShared: boolean) => {
    const a = allocateMtaArray(dtype, n, { shared: isShared });
    for (let k = 0; k < n; k++) a[k] = (rng() * 2 - 1) * scale;
    return a;
  };
  return {
    scores: make(B * Cin * L * L, 2, shared),
    weight: make(Cout * (Cin / setting.config.groups) * kH * kW, 0.5, false),
    bias: setting.bias ? make(Cout, 0.3, false) : null,
    gradOut: make(B * Cout * L * L, 1, shared),
  };
}

function runAll(setting: Setting, data: ReturnType<typeof inputs>, workspace?: MtaCpuWorkspace) {
  const forward = mtaForward(data.scores, data.weight, data.bias, geometryFor(setting.shape, setting.config, data.scores, data.bias), undefined, workspace);
  const backward = mtaBackward(data.gradOut, forward.saved, data.scores, data.weight, {}, workspace);
  return { out: forward.out, probs: forward.saved.probs, ...backward };
}

describe('worker pool path equals the synchronous path bit for bit', () => {
  for (const setting of SETTINGS) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${setting.name}, ${dtype}`, () => {
        expect(pool.threads).toBe(2);
        const threaded = new MtaCpuWorkspace({ pool, minParallelMacs: 0 });
        // Shared inputs (no staging) and plain ones (staging copies in, outputs copied back).
        for (const shared of [true, false]) {
          const data = inputs(setting, dtype, shared);
          const sync = runAll(setting, data);
          const before = pool.workerItems;
          const parallel = runAll(setting, data, threaded);
          expect(pool.workerItems - before, 'items the worker ran').toBeGreaterThan(0);
          for (const key of ['out', 'probs', 'gradScores', 'gradWeight', 'gradBias'] as const) {
            expect(bitsEqual(parallel[key], sync[key]), `${key}, ${shared ? 'shared' : 'unshared'} inputs`).toBeNull();
          }
        }
      });
    }
  }

  it('writes into caller-provided plain (non-shared) outputs', () => {
    const setting = SETTINGS[0]!;
    const data = inputs(setting, 'float32', false);
    const { B, Cin, Cout, L } = setting.shape;
    const out = new Float32Array(B * Cout * L * L).fill(Number.NaN);
    const probs = new Float32Array(B * Cin * L * L).fill(Number.NaN);
    const gradScores = new Float32Array(B * Cin * L * L).fill(Number.NaN);
    const workspace = new MtaCpuWorkspace({ pool, minParallelMacs: 0 });
    const forward = mtaForward(data.scores, data.weight, data.bias, geometryFor(setting.shape, setting.config, data.scores, data.bias), { out, probs }, workspace);
    const backward = mtaBackward(data.gradOut, forward.saved, data.scores, data.weight, { gradScores }, workspace);
    expect(forward.out).toBe(out);
    expect(forward.saved.probs).toBe(probs);
    expect(backward.gradScores).toBe(gradScores);
    const sync = runAll(setting, data);
    expect(bitsEqual(out, sync.out)).toBeNull();
    expect(bitsEqual(probs, sync.probs)).toBeNull();
    expect(bitsEqual(gradScores, sync.gradScores)).toBeNull();
  });

  it('a closed pool fails with a clear message instead of hanging', async () => {
    const closing = await MtaCpuPool.create({ threads: 2 });
    await closing.close();
    const setting = SETTINGS[4]!;
    const data = inputs(setting, 'float32', true);
    const workspace = new MtaCpuWorkspace({ pool: closing, minParallelMacs: 0 });
    expect(() => mtaForward(data.scores, data.weight, data.bias, geometryFor(setting.shape, setting.config, data.scores, data.bias), undefined, workspace))
      .toThrow(/MtaCpuPool\.run: the pool is unusable \(closed\)/);
  });
});
