/** The generic UB tiling planner, on toy kernels whose footprint is easy to compute by hand. */
import { describe, expect, it } from 'vitest';
import {
  NpuSimulator, PlanError, UbTilingOverflowError, allocPlanned, findUbTiling, makeNpuSpec, measureUbTiling, planUbTiling,
  ubBudgetBytes, ubBufferBytes, ubLimitsOf, type UbBufferDecl, type UbLimits,
} from '../src/index.js';

/** A toy 2-buffer kernel: a double-buffered float32 input block and a float16 output block. */
const twoBuffers = (block: number): UbBufferDecl[] => [
  { name: 'in', elems: block, dtype: 'float32', copies: 2, purpose: 'input block (double-buffered)' },
  { name: 'out', elems: block, dtype: 'float16', purpose: 'output block' },
];

const limits: UbLimits = { capacityBytes: 16 * 1024, alignmentBytes: 32, margin: 0.9 };

describe('planUbTiling', () => {
  it('returns the largest block that fits under the margin; one more would not', () => {
    const t = planUbTiling({ kernel: 'toy', buffers: twoBuffers, maxBlock: 1 << 20 }, limits);
    const budget = Math.floor(16 * 1024 * 0.9);
    expect(t.budgetBytes).toBe(budget);
    expect(t.fits).toBe(true);
    expect(t.ubBytes).toBeLessThanOrEqual(budget);
    expect(measureUbTiling('toy', twoBuffers, t.block + 1, limits).ubBytes).toBeGreaterThan(budget);
    // By hand: 8 B per element of the double-buffered input and 2 B of the output, each rounded up to 32 B.
    expect(t.ubBytes).toBe(Math.ceil((t.block * 4) / 32) * 32 * 2 + Math.ceil((t.block * 2) / 32) * 32);
  });

  it('sizes every buffer as the allocator does, and the allocator agrees', () => {
    const t = planUbTiling({ kernel: 'toy', buffers: twoBuffers, maxBlock: 1000 }, limits);
    expect(t.buffers.map((b) => [b.name, b.copies, b.bytes])).toEqual([
      ['in', 2, ubBufferBytes(t.block, 'float32', 2, 32)],
      ['out', 1, ubBufferBytes(t.block, 'float16', 1, 32)],
    ]);
    const sim = new NpuSimulator(makeNpuSpec({ ub: limits.capacityBytes, env: {} }));
    const rec = sim.launch({ kernel: 'toy', plan: `block ${t.block}`, cores: 1 }, (ctx) => {
      allocPlanned(ctx, t.buffers);
    });
    expect(rec.ubPeakBytes).toBe(t.ubBytes);
  });

  it('counts alignment: a 1-element float32 buffer takes 32 bytes, a double buffer twice that', () => {
    expect(ubBufferBytes(1, 'float32', 1, 32)).toBe(32);
    expect(ubBufferBytes(1, 'float32', 2, 32)).toBe(64);
    expect(ubBufferBytes(9, 'float32', 1, 32)).toBe(64);
    expect(ubBufferBytes(16, 'bfloat16', 1, 32)).toBe(32);
    expect(ubBufferBytes(17, 'float16', 2, 32)).toBe(128);
  });

  it('halves the block when the input goes from single to double buffering', () => {
    const single = (block: number): UbBufferDecl[] => [{ name: 'in', elems: block, dtype: 'float32', copies: 1, purpose: 'input' }];
    const double = (block: number): UbBufferDecl[] => [{ name: 'in', elems: block, dtype: 'float32', copies: 2, purpose: 'input' }];
    const lim: UbLimits = { capacityBytes: 4096, alignmentBytes: 32, margin: 1 };
    expect(planUbTiling({ kernel: 's', buffers: single, maxBlock: 1e6 }, lim).block).toBe(1024);
    expect(planUbTiling({ kernel: 'd', buffers: double, maxBlock: 1e6 }, lim).block).toBe(512);
  });

  it('stops at maxBlock when everything fits, and honours minBlock', () => {
    expect(planUbTiling({ kernel: 'toy', buffers: twoBuffers, maxBlock: 100 }, limits).block).toBe(100);
    expect(planUbTiling({ kernel: 'toy', buffers: twoBuffers, maxBlock: 100, minBlock: 100 }, limits).block).toBe(100);
  });

  it('throws a UbTilingOverflowError naming the buffers, required and available bytes when even the minimum block does not fit', () => {
    const heavy = (block: number): UbBufferDecl[] => [
      { name: 'weights', elems: 8192, dtype: 'float32', purpose: 'fixed weights' },
      ...twoBuffers(block),
    ];
    let err: unknown = null;
    try {
      planUbTiling({ kernel: 'heavy', buffers: heavy, maxBlock: 64 }, limits);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UbTilingOverflowError);
    expect(err).toBeInstanceOf(PlanError);
    const e = err as UbTilingOverflowError;
    expect(e.kernel).toBe('heavy');
    expect(e.block).toBe(1);
    expect(e.requiredBytes).toBe(32768 + 64 + 32);
    expect(e.availableBytes).toBe(Math.floor(16 * 1024 * 0.9));
    expect(e.message).toMatch(/kernel 'heavy' does not fit the UB even at its smallest block \(1\)/);
    expect(e.message).toContain('32,864 B');
    expect(e.message).toContain('14,745 B');
    expect(e.message).toMatch(/weights: 32,768 B/);
    expect(e.message).toMatch(/in: 64 B/);
    expect(e.message).toMatch(/larger UB/);
    expect(findUbTiling({ kernel: 'heavy', buffers: heavy, maxBlock: 64 }, limits)).toBeNull();
  });

  it('takes its limits from a spec, with the default 0.9 margin, and rejects margins outside (0, 1]', () => {
    const spec = makeNpuSpec({ ub: '192KiB', env: {} });
    expect(ubBudgetBytes(ubLimitsOf(spec))).toBe(Math.floor(196_608 * 0.9));
    expect(() => ubBudgetBytes({ capacityBytes: 1024, alignmentBytes: 32, margin: 0 })).toThrow(/margin/);
    expect(() => ubBudgetBytes({ capacityBytes: 1024, alignmentBytes: 32, margin: 1.5 })).toThrow(/margin/);
  });
});
