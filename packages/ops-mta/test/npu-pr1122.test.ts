/**
 * The liger-pr1122 preset run in the simulator with the PR's loop bounds: at a UB of 196,608 bits and
 * L = 4096 its forward (row block 2048) leaves 4,194,304 probabilities unwritten; poison mode counts them.
 */
import { describe, expect, it } from 'vitest';
import { NpuSimulator, UnwrittenOutputError, makeNpuSpec } from '@mta/device-npu';
import { planNpuMta, runLigerPr1122SoftmaxForward } from '../src/kernels/npu/index.js';
import { randn, rng } from './support/npu-reference';

function scoresFor(sim: NpuSimulator, L: number) {
  return sim.upload('scores', 'float32', [1, 1, L, L], Float32Array.from(randn(L * L, rng(5))));
}

describe('PR #1122 forward in the simulator', () => {
  it('leaves 4,194,304 probabilities unwritten at UB 196,608 bits, L = 4096', () => {
    const spec = makeNpuSpec({ env: { ASCEND_UB_CAPACITY_BITS: '196608' } });
    expect(spec.ubBytes).toBe(24_576);
    const sim = new NpuSimulator(spec, { poison: true });
    const L = 4096;
    const plan = planNpuMta({ B: 1, Cin: 1, Cout: 1, L, kH: 3, kW: 3 }, 'float32', spec, { planner: 'liger-pr1122' });
    let err: unknown;
    try {
      runLigerPr1122SoftmaxForward(sim, scoresFor(sim, L), plan);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnwrittenOutputError);
    const e = err as UnwrittenOutputError;
    expect(e.kernel).toBe('pr1122.fused-mask-softmax-fwd');
    expect(e.unwrittenCount).toBe(4_194_304);
    // First unwritten element: row 0, column 2048 (the second column block of a row that ends in the first).
    expect(e.firstCoords).toEqual([0, 0, 0, 2048]);
    // The simulated kernel itself fit the UB: the failure is coverage, not capacity.
    expect(sim.records[0]!.ubPeakBytes).toBeLessThanOrEqual(24_576);
  });

  it('writes every probability, correctly, when the block covers the row (L = 2048 at the same UB)', () => {
    const spec = makeNpuSpec({ ub: 24_576, env: {} });
    const sim = new NpuSimulator(spec, { poison: true });
    const L = 2048;
    const plan = planNpuMta({ B: 1, Cin: 1, Cout: 1, L, kH: 3, kW: 3 }, 'float32', spec, { planner: 'liger-pr1122' });
    const scores = scoresFor(sim, L);
    const { probs } = runLigerPr1122SoftmaxForward(sim, scores, plan);
    const s = sim.download(scores);
    const p = sim.download(probs);
    // Spot-check rows against a float64 softmax of the causal part.
    for (const i of [0, 1, 777, 2047]) {
      let m = -Infinity;
      for (let j = 0; j <= i; j++) m = Math.max(m, s[i * L + j]!);
      let z = 0;
      for (let j = 0; j <= i; j++) z += Math.exp(s[i * L + j]! - m);
      for (let j = 0; j < L; j++) {
        const want = j <= i ? Math.exp(s[i * L + j]! - m) / z : 0;
        expect(Math.abs(p[i * L + j]! - want)).toBeLessThan(1e-6);
      }
    }
  });
});
