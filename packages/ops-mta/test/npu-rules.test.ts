/**
 * The AscendC rules on MTA's own npu kernels: they run every golden case with every rule armed (poison mode:
 * DMA alignment, the write ledger, vector operand alignment, counted reduction scratch) on more cores than the
 * default, an overflowing plan is refused at plan time in the toolchain's words before any kernel runs, and a
 * kernel's double buffering reaches the time model. References are the golden files.
 */
import { describe, expect, it } from 'vitest';
import { GmWriteRaceError, NpuSimulator, UbTilingOverflowError, makeNpuSpec } from '@mta/device-npu';
import { npuMtaBackward, npuMtaForward, planNpuMta } from '../src/kernels/npu/index.js';
import { loadGolden, relFro, uploadGolden } from './support/npu-golden';
import { runCase } from './support/npu-run-case';

const cases = loadGolden();
const byName = (name: string) => cases.find((c) => c.name === name)!;

describe('MTA npu kernels under the AscendC rules', () => {
  // 48 vector cores (a 910B2's count) and tiny column blocks: many units per core boundary, many unaligned tails.
  it.each(['long-130', 'pre-toy', 'depthwise-rect', 'dilated-widen'])('%s on 48 cores, column blocks of 5: no rule fires, golden holds', (name) => {
    const c = byName(name);
    const spec = makeNpuSpec({ ub: '16KiB', vectorCores: 48, env: {} });
    const r = runCase(
      { shape: c.shape, config: c.config, scores: c.tensors.scores!.data, weight: c.tensors.weight!.data, bias: c.bias ? c.tensors.bias!.data : null, gradOut: c.tensors.grad_out!.data },
      spec.ubBytes, 'float32', { maxColBlock: 5, maxRowBlock: 5 }, 'float32', { vectorCores: 48 },
    );
    expect(r.sim.poison).toBe(true);
    expect(relFro(r.out, c.tensors.out!.data).rel).toBeLessThanOrEqual(1e-5);
    expect(relFro(r.gradScores, c.tensors.grad_scores!.data).rel).toBeLessThanOrEqual(1e-5);
    expect(relFro(r.gradWeight, c.tensors.grad_weight!.data).rel).toBeLessThanOrEqual(1e-5);
  });

  it('refuses a plan that does not fit at plan time, in Triton-Ascend\'s words, before any kernel runs', () => {
    const c = byName('long-130');
    const spec = makeNpuSpec({ ub: '2KiB', env: {} });
    const sim = new NpuSimulator(spec);
    const { B, Cin, Cout, L, kH, kW } = c.shape;
    const s = sim.upload('s', 'float32', [B, Cin, L, L], new Float32Array(B * Cin * L * L));
    const w = sim.upload('w', 'float32', [Cout, Cin, kH, kW], new Float32Array(Cout * Cin * kH * kW));
    const plan = planNpuMta(c.shape, 'float32', spec, { config: c.config, bias: false });
    expect(plan.fits).toBe(false);
    let err: unknown;
    try {
      npuMtaForward(sim, s, w, null, c.shape, c.config, { plan });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UbTilingOverflowError);
    const bad = [...plan.forward, ...plan.backward].find((k) => !k.fits)!;
    expect((err as Error).message).toContain(`ub overflow, requires ${bad.ubBytes! * 8} bits while ${Math.floor(2048 * 0.9) * 8} bits available!`);
    expect((err as Error).message).toMatch(new RegExp(`kernel '${bad.name.replace(/\./g, '\\.')}'.*\\n(.|\\n)*ring: [\\d,]+ B`));
    expect(sim.records.length).toBe(0); // nothing ran
  });

  it('a band kernel with a prefetch ring slot is double-buffered, and its launch overlaps DMA with compute', () => {
    const c = byName('liger-a');
    const r = runCase(
      { shape: c.shape, config: c.config, scores: c.tensors.scores!.data, weight: c.tensors.weight!.data, bias: c.tensors.bias!.data, gradOut: c.tensors.grad_out!.data },
      '192KiB', 'float32',
    );
    const fwd = r.sim.records.find((l) => l.kernel === 'mta.post.fwd.band')!;
    expect(fwd.doubleBuffered).toBe(true);
    expect(fwd.estSeconds).toBe(fwd.estDoubleBufferedSeconds);
    expect(fwd.estDoubleBufferedSeconds).toBeLessThan(fwd.estSingleBufferedSeconds);
    const reduce = r.sim.records.find((l) => l.kernel === 'mta.bwd.wgrad-reduce')!;
    expect(reduce.doubleBuffered).toBe(false);
    expect(reduce.estSeconds).toBe(reduce.estSingleBufferedSeconds);
  });
});

describe('exclusive 32-byte blocks per core (the opt-in strict rule)', () => {
  /** Forward + backward on a simulator that refuses two cores in one 32-byte block; the error or null. */
  function strictRun(name: string): unknown {
    const c = byName(name);
    const spec = makeNpuSpec({ ub: '192KiB', env: {} });
    const sim = new NpuSimulator(spec, { exclusiveBlocks: true });
    try {
      const plan = planNpuMta(c.shape, 'float32', spec, { config: c.config, bias: c.bias });
      const { s, w, b, g } = uploadGolden(sim, c);
      const { saved } = npuMtaForward(sim, s, w, b, c.shape, c.config, { plan });
      npuMtaBackward(sim, g, saved);
      return null;
    } catch (e) {
      return e;
    }
  }

  it.each(['liger-a', 'groups2', 'causal-post', 'pre-sparse'])('%s: every map is whole blocks, and the gradient partial rows are pitched: no core shares a block', (name) => {
    expect(strictRun(name)).toBeNull();
  });

  it('long-130: maps of 130 x 130 float32 end inside a block, so cores meet in one (documented limit of our kernels)', () => {
    const err = strictRun('long-130');
    expect(err).toBeInstanceOf(GmWriteRaceError);
    expect((err as GmWriteRaceError).shared).toBe('block');
  });
});
