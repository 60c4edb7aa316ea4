import { describe, expect, it } from 'vitest';
import { NpuSimulator, formatExplain, makeNpuSpec } from '../src/index';

/** Issue 13 item 7: the simulator kept a ~0.7 KB record per launch forever; it keeps the last N and totals. */
describe('launch log', () => {
  it('keeps the last 256 launches of 2,000 and totals over all of them', () => {
    const sim = new NpuSimulator(makeNpuSpec({ ub: '16KiB', env: {} }));
    const out = sim.alloc('out', 'float32', [8]);
    for (let i = 0; i < 2000; i++) {
      sim.group(`op${i}`, { readBytes: 0, writeBytes: 32 }, () =>
        sim.launch({ kernel: `k${i}`, plan: 'p', cores: 1 }, (ctx) => {
          const b = ctx.alloc('b', 8);
          ctx.v.fill(b, 0, 8, i);
          ctx.copyOut(out, 0, b, 0, 8);
        }));
    }
    expect(sim.records.length).toBe(256);
    expect(sim.records[255]!.kernel).toBe('k1999');
    expect(sim.records[0]!.kernel).toBe('k1744');
    expect(sim.totals.launches).toBe(2000);
    expect(sim.totals.gmWriteBytes).toBe(2000 * 32);
    const report = sim.explain();
    expect(report.droppedLaunches).toBe(1744);
    expect(report.groups.length).toBe(256);
    // Groups still find their launches after older records have gone.
    expect(report.groups.at(-1)!.kernels).toEqual(['k1999']);
    expect(report.groups.at(-1)!.writeBytes).toBe(32);
    expect(formatExplain(report)).toContain('1,744 earlier launches not kept; all 2,000');
    sim.clearRecords();
    expect([sim.records.length, sim.totals.launches]).toEqual([0, 0]);
  });

  it('pools freed GM within its cap under varying lengths (retainPeak off)', () => {
    const sim = new NpuSimulator(makeNpuSpec({ env: {} }), { maxPooledBytes: 2 ** 20, retainPeak: false });
    for (let i = 0; i < 300; i++) sim.free(sim.alloc('x', 'float32', [1000 + 997 * i]));
    expect(sim.pooledBytes).toBeLessThanOrEqual(2 ** 20 + 2 ** 18);
    sim.emptyCache();
    expect(sim.pooledBytes).toBe(0);
  });

  it('with retainPeak (the default) keeps at most the peak working set, so a call larger than the cap reuses its GM', () => {
    const sim = new NpuSimulator(makeNpuSpec({ env: {} }), { maxPooledBytes: 2 ** 20 });
    // One buffer live at a time: the peak working set is the largest one (its size class, at most 2x with reuse).
    const largest = (1000 + 997 * 299) * 4;
    for (let i = 0; i < 300; i++) sim.free(sim.alloc('x', 'float32', [1000 + 997 * i]));
    expect(sim.pooledBytes).toBeLessThanOrEqual(2 * largest);
    // 4 MiB maps, over the 1 MiB cap: after the first call they come from the pool, so it stops growing.
    const call = (): void => { for (const b of [sim.alloc('a', 'float32', [2 ** 20]), sim.alloc('b', 'float32', [2 ** 20])]) sim.free(b); };
    call();
    const after = sim.pooledBytes;
    for (let i = 0; i < 5; i++) call();
    expect(sim.pooledBytes).toBe(after);
    expect(after).toBeGreaterThanOrEqual(2 * 4 * 2 ** 20);
    sim.emptyCache();
    expect(sim.pooledBytes).toBe(0);
  });
});
