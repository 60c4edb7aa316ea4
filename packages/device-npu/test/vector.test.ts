/** The generic vector ISA: fused instructions equal their unfused sequence bit for bit and count the same work. */
import { describe, expect, it } from 'vitest';
import { NpuSimulator, makeNpuSpec, reduceTmpElems, seededValues, ubRead, ubWrite } from '../src/index.js';


describe('vector unit', () => {
  it('expShiftSum equals expShift then reduceSum bit for bit, with the same repeats, and matches float64 exp', () => {
    const sim = new NpuSimulator(makeNpuSpec());
    const n = 301;
    const xs = seededValues(n, 23).map((x) => x * 12);
    const results: Array<{ buf: Float32Array; sum: number; repeats: number }> = [];
    for (const fused of [true, false]) {
      sim.launch({ kernel: 'exp', plan: '', cores: 1 }, (ctx) => {
        const buf = ctx.alloc('buf', n);
        ctx.v.useSharedTmp(ctx.alloc('tmp', reduceTmpElems(n)));
        ubWrite(ctx, buf, xs);
        const before = ctx.v.counters.repeats;
        let sum: number;
        if (fused) sum = ctx.v.expShiftSum(buf, 0, n, 1.5);
        else {
          ctx.v.expShift(buf, 0, n, 1.5);
          sum = ctx.v.reduceSum(buf, 0, n);
        }
        results.push({ buf: ubRead(ctx, buf, n), sum, repeats: ctx.v.counters.repeats - before });
      });
    }
    expect(results[0]).toEqual(results[1]);
    let ref = 0;
    for (let i = 0; i < n; i++) {
      ref += Math.exp(xs[i]! - 1.5);
      expect(results[0]!.buf[i]! / Math.exp(xs[i]! - 1.5)).toBeCloseTo(1, 6);
    }
    expect(results[0]!.sum / ref).toBeCloseTo(1, 6);
  });
});
