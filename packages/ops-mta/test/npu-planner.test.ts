import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NPU_DTYPES, NpuSimulator, allocPlanned, makeNpuSpec, ubBufferBytes } from '@mta/device-npu';
import { type NpuMtaConfig, planCoverage, planNpuMta, prForwardUnwrittenPerMap, prMaskTile, prRowBlock } from '../src/kernels/npu/index.js';

const shape = (L: number) => ({ B: 2, Cin: 4, Cout: 4, L, kH: 3, kW: 3 });
const configFor = (mode: 'post' | 'pre', sparse: boolean): NpuMtaConfig =>
  mode === 'post'
    ? { mode, sparse, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 }
    : { mode, sparse, pads: [2, 0, 1, 1], dilation: [1, 1], groups: 1 };

// Coverage is not asserted here: recomputing it from the planner's own blocks cannot catch a kernel that skips
// a block. npu-coverage.test.ts runs the kernels in poison mode instead.
describe('default planner, property: every plan fits the UB', () => {
  it('holds for L in [1, 65536], every dtype, UB in [16 KiB, 512 KiB], both modes and activations', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 65536 }),
        fc.constantFrom(...NPU_DTYPES),
        fc.integer({ min: 512, max: 16384 }).map((n) => n * 32),
        fc.constantFrom('post' as const, 'pre' as const),
        fc.boolean(),
        (L, dtype, ubBytes, mode, sparse) => {
          const spec = makeNpuSpec({ ub: ubBytes, env: {} });
          const plan = planNpuMta(shape(L), dtype, spec, { config: configFor(mode, sparse) });
          expect(plan.fits).toBe(true);
          for (const k of [...plan.forward, ...plan.backward]) {
            // Exact sum of aligned buffers, under the margin, never past it.
            const sum = k.buffers.reduce((s, b) => s + b.bytes, 0);
            expect(k.ubBytes).toBe(sum);
            for (const b of k.buffers) expect(b.bytes).toBe(ubBufferBytes(b.elems, b.dtype, b.copies, 32));
            expect(sum).toBeLessThanOrEqual(Math.floor(ubBytes * 0.9));
            if (k.tiling.kind === 'band') {
              const t = k.tiling;
              expect(t.colBlock).toBeLessThanOrEqual(L);
              expect(t.colBlocks).toBe(Math.ceil(L / t.colBlock));
              expect(t.rowRanges).toBe(Math.ceil(L / t.rowsPerUnit));
              // Whole rows only when they fit; otherwise column blocks.
              expect(t.pass === 'single').toBe(t.colBlock === L && t.colBlocks === 1);
            }
            if (k.tiling.kind === 'row') expect(k.tiling.rowBlock).toBeLessThanOrEqual(L);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('its buffers allocate exactly as planned in the simulator\'s UB allocator', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65536 }), fc.constantFrom(...NPU_DTYPES), fc.integer({ min: 512, max: 4096 }).map((n) => n * 32), (L, dtype, ubBytes) => {
        const spec = makeNpuSpec({ ub: ubBytes, env: {} });
        const plan = planNpuMta(shape(L), dtype, spec);
        const sim = new NpuSimulator(spec);
        for (const k of [...plan.forward, ...plan.backward]) {
          const rec = sim.launch({ kernel: k.name, plan: 'allocate only', cores: 1 }, (ctx) => { allocPlanned(ctx, k.buffers); });
          expect(rec.ubPeakBytes).toBe(k.ubBytes);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('default planner rules', () => {
  it('runs L = 1024 single-block at 192 KiB and multi-block at 16 KiB', () => {
    const big = planNpuMta(shape(1024), 'float32', makeNpuSpec({ env: {} }));
    expect(big.forward.map((k) => k.name)).toEqual(['mta.post.fwd.band']);
    expect(big.backward.map((k) => k.name)).toEqual(['mta.post.bwd.band', 'mta.bwd.wgrad-reduce']);
    const small = planNpuMta(shape(1024), 'float32', makeNpuSpec({ ub: '16KiB', env: {} }));
    expect(small.forward.map((k) => k.name)).toEqual(['mta.post.fwd.rowstats', 'mta.post.fwd.band']);
    expect(small.backward.map((k) => k.name)).toEqual(['mta.post.bwd.band.stats', 'mta.post.bwd.band.apply', 'mta.bwd.wgrad-reduce']);
  });

  it('keeps column blocks multiples of 8 and balanced, with a non-empty tail', () => {
    const plan = planNpuMta(shape(8193), 'float16', makeNpuSpec({ ub: '16KiB', env: {} }));
    const band = plan.forward.find((k) => k.name === 'mta.post.fwd.band')!;
    if (band.tiling.kind !== 'band') throw new Error('expected a band kernel');
    expect(band.tiling.colBlock % 8).toBe(0);
    const tail = 8193 - (band.tiling.colBlocks - 1) * band.tiling.colBlock;
    expect(tail).toBeGreaterThan(0);
    expect(tail).toBeLessThanOrEqual(band.tiling.colBlock);
  });

  it('says clearly when nothing fits', () => {
    const plan = planNpuMta({ B: 1, Cin: 64, Cout: 64, L: 100, kH: 9, kW: 9 }, 'float32', makeNpuSpec({ ub: '16KiB', env: {} }));
    expect(plan.fits).toBe(false);
    expect(plan.forward[plan.forward.length - 1]!.notes.join(' ')).toMatch(/even a 1-column block needs/);
  });
});

describe('liger-pr1122 preset reproduces the PR formulas', () => {
  const bits192 = 1_572_864;
  const bits24 = 196_608;

  it('row blocks', () => {
    expect(prRowBlock(5, true, bits192)).toBe(8);
    expect(prRowBlock(2048, true, bits192)).toBe(2048);
    expect(prRowBlock(4096, true, bits192)).toBe(4096);
    expect(prRowBlock(8193, true, bits192)).toBe(8192); // floorPow2(1415577 // 96 = 14745)
    expect(prRowBlock(65536, false, bits192)).toBe(8192); // floorPow2(1415577 // 128 = 11059)
    expect(prRowBlock(4096, true, bits24)).toBe(2048); // floorPow2(1843) = 1024, then max(2048, ...)
  });

  it('mask tiles: 60 -> 64 at 192 KiB (100% of the UB), 21 -> 32 at 24 KiB (twice the UB), L when L < 64', () => {
    expect(prMaskTile(4096, 4, bits192)).toBe(64);
    expect(12 * 64 * 64 * 4).toBe(196_608);
    expect(prMaskTile(4096, 4, bits24)).toBe(32);
    expect(12 * 32 * 32 * 4).toBe(2 * 24_576);
    expect(prMaskTile(5, 2, bits192)).toBe(5);
    expect(prMaskTile(33, 4, bits192)).toBe(33);
  });

  it('the plan report marks the 24 KiB mask tile as an overflow and counts 4,194,304 unwritten probabilities', () => {
    const spec = makeNpuSpec({ ub: bits24 / 8, env: {} });
    const plan = planNpuMta({ B: 1, Cin: 1, Cout: 1, L: 4096, kH: 3, kW: 3 }, 'float32', spec, { planner: 'liger-pr1122' });
    const mask = plan.forward.find((k) => k.name === 'pr1122.mask-out')!;
    expect(mask.tiling).toMatchObject({ kind: 'pr-tile', tile: 32 });
    expect(mask.ubBytes).toBe(49_152);
    expect(mask.fits).toBe(false);
    const cov = planCoverage(plan).find((e) => e.kernel === 'pr1122.fused-mask-softmax-fwd')!;
    expect(cov.unwritten).toBe(4_194_304);
    expect(prForwardUnwrittenPerMap(4096, 2048)).toBe(2048 * 2048);
    // At 192 KiB the forward only breaks past L = 8192.
    expect(prForwardUnwrittenPerMap(8192, prRowBlock(8192, true, bits192))).toBe(0);
    expect(prForwardUnwrittenPerMap(8193, prRowBlock(8193, true, bits192))).toBeGreaterThan(0);
    expect(prForwardUnwrittenPerMap(2048, prRowBlock(2048, true, bits24))).toBe(0);
  });
});
