/**
 * Random MTA calls (beyond the golden set: longer rows, odd block tails, dilation, groups, both modes and
 * activations, UB sizes that force multi-block rows) against an independent float64 reference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NpuSimulator, type NpuDType, PlanError, makeNpuSpec, roundToDType } from '@mta/device-npu';
import { type NpuMtaConfig, type NpuMtaShape, npuMtaForward, planNpuMta } from '../src/kernels/npu/index.js';
import { relFro } from './support/npu-golden';
import { randn, referenceMta, rng } from './support/npu-reference';
import { runCase } from './support/npu-run-case';

interface RandomCase {
  shape: NpuMtaShape;
  config: NpuMtaConfig;
  bias: boolean;
  ub: string;
  cap?: number;
}

const cases: RandomCase[] = [
  { shape: { B: 1, Cin: 2, Cout: 3, L: 61, kH: 3, kW: 3 }, config: { mode: 'post', sparse: false, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 }, bias: true, ub: '16KiB', cap: 13 },
  { shape: { B: 2, Cin: 2, Cout: 2, L: 45, kH: 3, kW: 5 }, config: { mode: 'post', sparse: true, pads: [2, 0, 2, 2], dilation: [1, 1], groups: 2 }, bias: true, ub: '16KiB', cap: 9 },
  { shape: { B: 1, Cin: 4, Cout: 2, L: 50, kH: 2, kW: 3 }, config: { mode: 'post', sparse: false, pads: [2, 0, 2, 2], dilation: [2, 2], groups: 2 }, bias: false, ub: '24KiB', cap: 11 },
  { shape: { B: 1, Cin: 2, Cout: 2, L: 57, kH: 2, kW: 9 }, config: { mode: 'pre', sparse: false, pads: [1, 0, 4, 4], dilation: [1, 1], groups: 2 }, bias: true, ub: '16KiB', cap: 10 },
  { shape: { B: 2, Cin: 3, Cout: 3, L: 40, kH: 3, kW: 3 }, config: { mode: 'pre', sparse: true, pads: [2, 0, 1, 1], dilation: [1, 1], groups: 1 }, bias: true, ub: '16KiB', cap: 6 },
  // UB alone forces multi-block rows here (a 700-column ring does not fit 16 KiB).
  { shape: { B: 1, Cin: 2, Cout: 2, L: 700, kH: 3, kW: 3 }, config: { mode: 'post', sparse: true, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 }, bias: true, ub: '16KiB' },
  { shape: { B: 1, Cin: 2, Cout: 2, L: 700, kH: 3, kW: 3 }, config: { mode: 'pre', sparse: false, pads: [2, 0, 1, 1], dilation: [1, 1], groups: 1 }, bias: true, ub: '16KiB' },
  { shape: { B: 1, Cin: 1, Cout: 1, L: 1, kH: 1, kW: 1 }, config: { mode: 'post', sparse: false, pads: [0, 0, 0, 0], dilation: [1, 1], groups: 1 }, bias: true, ub: '16KiB' },
  { shape: { B: 1, Cin: 1, Cout: 1, L: 3, kH: 3, kW: 3 }, config: { mode: 'pre', sparse: true, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 }, bias: false, ub: '16KiB', cap: 1 },
];

function label(c: RandomCase): string {
  return `${c.config.mode} ${c.config.sparse ? 'sparsemax' : 'softmax'} L=${c.shape.L} k=${c.shape.kH}x${c.shape.kW} g=${c.config.groups} dil=${c.config.dilation.join('x')} UB ${c.ub}${c.cap ? ` cap ${c.cap}` : ''}`;
}

function inputs(c: RandomCase, seed: number, dtype: NpuDType) {
  const next = rng(seed);
  const { B, Cin, Cout, L, kH, kW } = c.shape;
  const round = (x: Float64Array): Float64Array => x.map((v) => roundToDType(dtype, v));
  return {
    shape: c.shape,
    config: c.config,
    scores: round(randn(B * Cin * L * L, next, 2)),
    weight: round(randn(Cout * (Cin / c.config.groups) * kH * kW, next, 0.5)),
    bias: c.bias ? round(randn(Cout, next)) : null,
    gradOut: round(randn(B * Cout * L * L, next)),
  };
}

describe('npu MTA vs float64 reference', () => {
  it.each(cases.map((c, i) => [label(c), c, i] as const))('%s', (_l, c, i) => {
    const inp = inputs(c, 100 + i, 'float32');
    const got = runCase(inp, c.ub, 'float32', c.cap ? { maxColBlock: c.cap, maxRowBlock: c.cap } : {});
    const want = referenceMta(c.shape, c.config, inp.scores, inp.weight, inp.bias, inp.gradOut);
    expect(relFro(got.out, want.out).rel).toBeLessThan(1e-5);
    expect(relFro(got.gradScores, want.gradScores).rel).toBeLessThan(1e-5);
    expect(relFro(got.gradWeight, want.gradWeight).rel).toBeLessThan(1e-5);
    if (c.bias && c.config.mode === 'post') expect(relFro(got.gradBias!, want.gradBias).rel).toBeLessThan(1e-5);
    if (c.bias && c.config.mode === 'pre') expect(Math.hypot(...got.gradBias!)).toBeLessThan(1e-5); // exactly 0 in exact arithmetic
    // Every kernel's UB peak stayed within the UB; the plan's margin held.
    for (const r of got.sim.records) expect(r.ubPeakBytes).toBeLessThanOrEqual(Math.floor(r.ubCapacityBytes * 0.9));
    if (c.shape.L === 700) expect(got.kernels.some((k) => k.includes('rowstats') || k.endsWith('.stats'))).toBe(true);
  });

  it.each(['float16', 'bfloat16'] as const)('%s GM and weights: matches the reference on the rounded inputs', (dtype) => {
    const c = cases[0]!;
    const inp = inputs(c, 7, dtype);
    const got = runCase(inp, c.ub, dtype, { maxColBlock: c.cap!, maxRowBlock: c.cap! }, dtype);
    const want = referenceMta(c.shape, c.config, inp.scores, inp.weight, inp.bias, inp.gradOut);
    // Outputs are rounded once to the half format: relative error about its unit roundoff.
    const u = dtype === 'float16' ? 2 ** -11 : 2 ** -8;
    expect(relFro(got.out, want.out).rel).toBeLessThan(2 * u);
    expect(relFro(got.gradWeight, want.gradWeight).rel).toBeLessThan(2 * u);
    // dS is computed from P stored in the half format, so it carries that rounding twice over.
    expect(relFro(got.gradScores, want.gradScores).rel).toBeLessThan(8 * u);
    // The bias gradient (post mode: a sum of the half-rounded grad_out over each channel's unmasked map).
    expect(relFro(got.gradBias!, want.gradBias).rel).toBeLessThan(2 * u);
  });
});

describe('property: random small calls run in poison mode and match the reference', () => {
  it('holds for random L, kernels, pads, dilation, groups, modes, UB and block caps', () => {
    fc.assert(
      fc.property(
        fc.record({
          L: fc.integer({ min: 1, max: 24 }),
          kH: fc.integer({ min: 1, max: 3 }),
          kW: fc.integer({ min: 1, max: 4 }),
          dh: fc.integer({ min: 1, max: 2 }),
          dw: fc.integer({ min: 1, max: 2 }),
          groups: fc.constantFrom(1, 2),
          cpg: fc.integer({ min: 1, max: 2 }),
          B: fc.integer({ min: 1, max: 2 }),
          mode: fc.constantFrom('post' as const, 'pre' as const),
          sparse: fc.boolean(),
          bias: fc.boolean(),
          causalPads: fc.boolean(),
          ubKiB: fc.integer({ min: 16, max: 64 }),
          cap: fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
          seed: fc.integer({ min: 1, max: 1e6 }),
        }),
        (p) => {
          const vt = (p.kH - 1) * p.dh;
          const hz = (p.kW - 1) * p.dw;
          const pt = p.causalPads ? vt : vt >> 1;
          const pl = hz >> 1;
          const c: RandomCase = {
            shape: { B: p.B, Cin: p.groups * p.cpg, Cout: p.groups * p.cpg, L: p.L, kH: p.kH, kW: p.kW },
            config: { mode: p.mode, sparse: p.sparse, pads: [pt, vt - pt, pl, hz - pl], dilation: [p.dh, p.dw], groups: p.groups },
            bias: p.bias,
            ub: `${p.ubKiB}KiB`,
            ...(p.cap ? { cap: p.cap } : {}),
          };
          const inp = inputs(c, p.seed, 'float32');
          const got = runCase(inp, c.ub, 'float32', c.cap ? { maxColBlock: c.cap, maxRowBlock: c.cap } : {});
          const want = referenceMta(c.shape, c.config, inp.scores, inp.weight, inp.bias, inp.gradOut);
          // golden/README.md's rule: gradients relative to max(their norm, 1e-3 ||grad_out||). A gradient far
          // below its inputs' scale (a softmax VJP that nearly cancels at L = 2) is held to the absolute bound:
          // seed 1698704669 drew grad_scores of norm 4.7e-4 (grad_out 1.5) computed to 1.1e-8, relFro 2.3e-5.
          // The weight gradient multiplies that cancelled gradient by the convolved map (scores in pre mode), so
          // its floor carries their scale too. Such draws are ill-conditioned, not wrong: on seed 1698704669's
          // case the cpu fused kernel is off the float64 reference by the same 2.29e-5 as the npu.
          const floor = 1e-3 * Math.hypot(...inp.gradOut);
          const mapScale = Math.max(1, ...Array.from(inp.scores, Math.abs).filter(Number.isFinite));
          const gradErr = (g: ArrayLike<number>, w: ArrayLike<number>, atLeast = floor): number =>
            Math.hypot(...Array.from(g, (v, k) => v - w[k]!)) / Math.max(Math.hypot(...Array.from(w)), atLeast);
          expect(relFro(got.out, want.out).rel).toBeLessThan(1e-5);
          expect(gradErr(got.gradScores, want.gradScores)).toBeLessThan(1e-5);
          expect(gradErr(got.gradWeight, want.gradWeight, floor * mapScale)).toBeLessThan(1e-5);
          expect(got.gradBias === null).toBe(!c.bias);
          if (c.bias && c.config.mode === 'post') expect(gradErr(got.gradBias!, want.gradBias)).toBeLessThan(1e-5);
          if (c.bias && c.config.mode === 'pre') expect(Math.hypot(...got.gradBias!)).toBeLessThan(1e-5); // exactly 0 in exact arithmetic
        },
      ),
      // A fixed seed: CI runs the same 60 draws every time (a random one made this test flaky on conditioning).
      { numRuns: 60, seed: 20261203 },
    );
  });
});

describe('plan checks', () => {
  it('refuses a plan made for another call', () => {
    const spec = makeNpuSpec({ ub: '16KiB', env: {} });
    const sim = new NpuSimulator(spec);
    const c = cases[0]!;
    const { B, Cin, Cout, L, kH, kW } = c.shape;
    const plan = planNpuMta({ ...c.shape, L: L + 1 }, 'float32', spec, { config: c.config });
    const s = sim.upload('s', 'float32', [B, Cin, L, L], new Float32Array(B * Cin * L * L));
    const w = sim.upload('w', 'float32', [Cout, Cin, kH, kW], new Float32Array(Cout * Cin * kH * kW));
    const b = sim.upload('b', 'float32', [Cout], new Float32Array(Cout));
    expect(() => npuMtaForward(sim, s, w, b, c.shape, c.config, { plan })).toThrow(PlanError);
    expect(() => npuMtaForward(sim, s, w, b, c.shape, c.config, { plan })).toThrow(/Plan with planNpuMta for this call/);
  });
});
