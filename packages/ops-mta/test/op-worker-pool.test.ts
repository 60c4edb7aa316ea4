import '@mta/ops-mta/register';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getDevice, setFallback, tensor, zeros } from '@mta/core';
import { MtaCpuPool, mtaBackward, mtaForward, startMtaCpuThreads, mtaGeometryOf, type MtaOptions } from '@mta/ops-mta';
import { firstBitDifference, randomOperands, runMta, type MtaOperands, type MtaRun } from './support/op-harness';

/**
 * The op on the worker pool (shared memory, all cores) against the single-thread fused kernel: the work
 * split depends only on the shape and per-item gradient sums are added in item order, so the results must be
 * bit-identical. The pool is the one importing @mta/ops-mta starts; a spy on MtaCpuPool.run proves the op
 * call really went through it (L = 256, B = 2, Cin = Cout = 4, 3x3 is ~9.5M multiply-adds over the causal
 * triangle, above the 4M threshold).
 */
beforeAll(async () => {
  setFallback({ strict: true });
  const pool = await startMtaCpuThreads();
  expect(pool, 'the worker pool did not start (one core, or MTA_CPU_THREADS=1?)').not.toBeNull();
  expect(pool!.threads).toBeGreaterThan(1);
});

afterEach(() => { vi.restoreAllMocks(); });

/** The fused kernel called directly without a workspace: always the calling thread alone. */
function singleThread(ops: MtaOperands, options: MtaOptions, dtype: 'float32' | 'float64'): MtaRun {
  const Typed = dtype === 'float32' ? Float32Array : Float64Array;
  const scores = Typed.from(ops.scores);
  const weight = Typed.from(ops.weight);
  const bias = ops.bias ? Typed.from(ops.bias) : null;
  const geometry = mtaGeometryOf(
    tensor(scores, [ops.B, ops.Cin, ops.L, ops.L]), tensor(weight, [ops.Cout, ops.Cin / ops.groups, ops.kH, ops.kW]),
    bias ? tensor(bias, [ops.Cout]) : null, options);
  const forward = mtaForward(scores, weight, bias, geometry);
  const backward = mtaBackward(Typed.from(ops.gradOut), forward.saved, scores, weight);
  const f64 = (a: ArrayLike<number>) => Float64Array.from(a);
  return { out: f64(forward.out), gradScores: f64(backward.gradScores), gradWeight: f64(backward.gradWeight), gradBias: backward.gradBias ? f64(backward.gradBias) : null };
}

const SETTINGS: readonly { label: string; options: MtaOptions; bias: boolean }[] = [
  { label: 'post/softmax, padding 1 (the benchmark layout)', options: { mode: 'post', sparse: false, padding: 1 }, bias: true },
  { label: 'post/sparsemax, causal', options: { mode: 'post', sparse: true, padding: 'causal' }, bias: true },
  { label: 'pre/softmax, causal, groups 2', options: { mode: 'pre', sparse: false, padding: 'causal', groups: 2 }, bias: false },
  { label: 'pre/sparsemax, padding 1', options: { mode: 'pre', sparse: true, padding: 1 }, bias: true },
];

describe('worker-pool path of multiTokenAttention equals the single-thread kernel bit for bit', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    SETTINGS.forEach((setting, index) => {
      it(`${setting.label}, L=256, ${dtype}`, () => {
        const groups = setting.options.groups ?? 1;
        const ops = randomOperands(4000 + index, { B: 2, Cin: 4, Cout: 4, L: 256, kH: 3, kW: 3, groups, bias: setting.bias, scoreScale: 2 });
        const runs = vi.spyOn(MtaCpuPool.prototype, 'run');
        const pooled = runMta(ops, { ...setting.options, impl: 'fused' }, { dtype });
        // Forward and backward each posted one job to the pool.
        expect(runs.mock.calls.length).toBe(2);
        const reference = singleThread(ops, setting.options, dtype);
        for (const key of ['out', 'gradScores', 'gradWeight', 'gradBias'] as const) {
          expect(firstBitDifference(pooled[key], reference[key]), key).toBeNull();
        }
      });
    });
  }

  it('inputs and outputs that are views of larger pooled buffers still match bit for bit', () => {
    // The allocator hands out exact-length views of size-class buffers, reusing buffers up to 2x larger:
    // park large shared buffers in the pool first so that this call's tensors are such views.
    const cpu = getDevice('cpu');
    cpu.memory.emptyCache();
    const parked = [0, 1, 2, 3, 4, 5].map(() => zeros([2, 4, 300, 300]));
    for (const p of parked) p.dispose();
    const ops = randomOperands(4200, { B: 2, Cin: 4, Cout: 4, L: 256, kH: 3, kW: 3, groups: 1, bias: true, scoreScale: 2 });
    const hitsBefore = cpu.memoryStats().poolHits;
    const pooled = runMta(ops, { padding: 1, impl: 'fused' }, { dtype: 'float32' });
    expect(cpu.memoryStats().poolHits, 'the call reused the larger parked buffers').toBeGreaterThan(hitsBefore);
    const reference = singleThread(ops, { padding: 1 }, 'float32');
    for (const key of ['out', 'gradScores', 'gradWeight', 'gradBias'] as const) expect(firstBitDifference(pooled[key], reference[key]), key).toBeNull();
  });

  it('the workers, not only the calling thread, ran items of the calls above', async () => {
    // The caller works too, so one call may finish before a worker wakes; over the sixteen calls above the
    // workers must have taken some items, or the bit-identity checks compared the caller with itself.
    const pool = await startMtaCpuThreads();
    expect(pool!.workerItems).toBeGreaterThan(0);
  });

  it('a small call stays on the calling thread and still matches', () => {
    const ops = randomOperands(4100, { B: 1, Cin: 2, Cout: 2, L: 12, kH: 3, kW: 3 });
    const runs = vi.spyOn(MtaCpuPool.prototype, 'run');
    const got = runMta(ops, { padding: 1, impl: 'fused' }, { dtype: 'float64' });
    expect(runs).not.toHaveBeenCalled();
    expect(firstBitDifference(got.out, singleThread(ops, { padding: 1 }, 'float64').out)).toBeNull();
  });
});
