/**
 * The liger-ascend preset against a transcription of its source (Liger-Kernel _ascend multi_token_attention.py
 * @ 74c8e139, ub_manager.py @ main): block sizes at several UB sizes, its verdicts, full coverage (it zero-fills
 * after the diagonal), and its softmax forward run in the simulator where PR #1122's leaves columns unwritten.
 */
import { describe, expect, it } from 'vitest';
import { NpuSimulator, UnwrittenOutputError, makeNpuSpec } from '@mta/device-npu';
import {
  ligerMaskRowBlock, ligerSoftmaxBlock, planCoverage, planNpuMta, runLigerPr1122SoftmaxForward, runLigerRowSoftmaxForward,
} from '../src/kernels/npu/index.js';
import { randn, rng } from './support/npu-reference';

// Python semantics, written independently: triton.next_power_of_2 and the strategy's floor power of two.
const np2 = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));
const pyFloorPow2 = (n: number): number => np2(n + 1) / 2;
function pyTiling(n: number, ubBits: number, margin: number, dtypeSize: number, multiplier: number): number {
  const safe = Math.trunc(ubBits * margin); // int(ub_capacity_bits * safety_margin)
  const maxBlock = Math.max(1, Math.floor(safe / (multiplier * 1 * dtypeSize * 8))); // int(SAFE // (m * unit * dtype * 8))
  return Math.max(1, Math.min(np2(n), pyFloorPow2(maxBlock)));
}
const pySoftmax = (L: number, fwd: boolean, ubBits: number): number => (L <= 2048 ? np2(L) : Math.max(2048, pyTiling(L, ubBits, 0.9, 2, fwd ? 6 : 8)));
const pyMask = (L: number, ubBits: number): number => (L <= 4096 ? np2(L) : Math.max(4096, pyTiling(L, ubBits, 0.9, 4, 4)));

describe('liger-ascend block sizes', () => {
  const lengths = [1, 5, 64, 2047, 2048, 2049, 4096, 4097, 8192, 8193, 16_385, 65_536];
  it.each([1_572_864, 196_608, 131_072, 2_097_152])('match the source at %d UB bits', (ubBits) => {
    for (const L of lengths) {
      expect(ligerSoftmaxBlock(L, true, ubBits), `fwd L=${L}`).toBe(pySoftmax(L, true, ubBits));
      expect(ligerSoftmaxBlock(L, false, ubBits), `bwd L=${L}`).toBe(pySoftmax(L, false, ubBits));
      expect(ligerMaskRowBlock(L, ubBits), `mask L=${L}`).toBe(pyMask(L, ubBits));
    }
  });

  it('at 192 KiB: 8192-element blocks past 4096, so the float32 backward needs 8 x 8192 x 4 B > the UB', () => {
    expect(ligerSoftmaxBlock(65_536, true, 1_572_864)).toBe(8192);
    expect(ligerMaskRowBlock(65_536, 1_572_864)).toBe(8192);
    const spec = makeNpuSpec({ env: {} });
    const plan = planNpuMta({ B: 1, Cin: 1, Cout: 1, L: 8193, kH: 3, kW: 3 }, 'float32', spec, { planner: 'liger-ascend' });
    const ub = Object.fromEntries([...plan.forward, ...plan.backward].map((k) => [k.name, k.ubBytes]));
    expect(ub['liger-ascend.fused-mask-softmax-fwd']).toBe(6 * 8192 * 4); // exactly the UB: fits
    expect(ub['liger-ascend.fused-mask-softmax-bwd']).toBe(8 * 8192 * 4);
    expect(plan.fits).toBe(false);
    expect(planNpuMta({ B: 1, Cin: 1, Cout: 1, L: 8193, kH: 3, kW: 3 }, 'float16', spec, { planner: 'liger-ascend' }).fits).toBe(true);
  });
});

describe('liger-ascend coverage', () => {
  it('writes every output at every L (the zero-fill pass), where liger-pr1122 leaves columns past the block', () => {
    const spec = makeNpuSpec({ ub: '16KiB', env: {} });
    for (const L of [1, 2047, 2049, 4096, 65_536]) {
      const shape = { B: 2, Cin: 3, Cout: 3, L, kH: 3, kW: 3 };
      expect(planCoverage(planNpuMta(shape, 'float32', spec, { planner: 'liger-ascend' })).every((e) => e.unwritten === 0)).toBe(true);
    }
    const pr = planCoverage(planNpuMta({ B: 1, Cin: 1, Cout: 1, L: 2049, kH: 3, kW: 3 }, 'float32', spec, { planner: 'liger-pr1122' }));
    expect(pr.find((e) => e.output === 'P')!.unwritten).toBe(2048); // rows 0..2047 miss column 2048
  });

  it('has no plan for pre mode, as its source implements post mode only', () => {
    const plan = planNpuMta({ B: 1, Cin: 1, Cout: 1, L: 8, kH: 3, kW: 3 }, 'float32', makeNpuSpec({ env: {} }),
      { planner: 'liger-ascend', config: { mode: 'pre', sparse: false, pads: [2, 0, 1, 1], dilation: [1, 1], groups: 1 } });
    expect(plan.fits).toBe(false);
    expect(plan.notes.join(' ')).toMatch(/post-softmax MTA only/);
  });
});

describe('liger-ascend softmax forward in the simulator', () => {
  it('writes every probability correctly at L = 2049 with block 2048, where PR #1122\'s forward leaves 2048 unwritten', () => {
    const L = 2049;
    const spec = makeNpuSpec({ ub: '16KiB', env: {} });
    const shape = { B: 1, Cin: 1, Cout: 1, L, kH: 3, kW: 3 };
    const values = Float32Array.from(randn(L * L, rng(11)));

    const prSim = new NpuSimulator(spec, { poison: true });
    const prPlan = planNpuMta(shape, 'float32', spec, { planner: 'liger-pr1122' });
    expect(() => runLigerPr1122SoftmaxForward(prSim, prSim.upload('scores', 'float32', [1, 1, L, L], values), prPlan)).toThrow(UnwrittenOutputError);
    expect(prSim.records[0]!.error).toMatch(/left 2,048 of/);

    const sim = new NpuSimulator(spec, { poison: true });
    const plan = planNpuMta(shape, 'float32', spec, { planner: 'liger-ascend' });
    const block = plan.forward[0]!.tiling.kind === 'pr-row' ? plan.forward[0]!.tiling.block : 0;
    expect(block).toBe(2048);
    const { probs } = runLigerRowSoftmaxForward(sim, sim.upload('scores', 'float32', [1, 1, L, L], values), plan);
    const p = sim.download(probs);
    for (const i of [0, 1, 2047, 2048]) {
      let m = -Infinity;
      for (let j = 0; j <= i; j++) m = Math.max(m, values[i * L + j]!);
      let z = 0;
      for (let j = 0; j <= i; j++) z += Math.exp(values[i * L + j]! - m);
      for (let j = 0; j < L; j++) {
        const want = j <= i ? Math.exp(values[i * L + j]! - m) / z : 0;
        expect(Math.abs(p[i * L + j]! - want), `row ${i} col ${j}`).toBeLessThan(1e-6);
      }
    }
  });
});
