/** The generic vector ISA: fused instructions equal their unfused sequence bit for bit and count the same work. */
import { describe, expect, it } from 'vitest';
import { type KernelContext, NpuAccessError, NpuSimulator, makeNpuSpec, reduceTmpElems, seededValues, ubRead, ubWrite } from '../src/index.js';

/** Runs `body` on one core; the error it threw, or null. */
function run(body: (ctx: KernelContext) => void): unknown {
  try {
    new NpuSimulator(makeNpuSpec({ env: {} })).launch({ kernel: 'vec', plan: 'p', cores: 1 }, body);
    return null;
  } catch (e) {
    return e;
  }
}

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

  // gather trusts an offset table it found to be a run of consecutive integers until something writes the table.
  describe('gather', () => {
    const values = Array.from({ length: 32 }, (_, i) => 100 + i);

    it('through a run table moves the block, through any other table element by element, counting the same', () => {
      let run1: number[] = [];
      let perm: number[] = [];
      let repeats: number[] = [];
      expect(run((ctx) => {
        const src = ctx.alloc('src', 32);
        const idx = ctx.alloc('idx', 16);
        const dst = ctx.alloc('dst', 16);
        ubWrite(ctx, src, values);
        ctx.v.arange(idx, 0, 16);
        const r0 = ctx.v.counters.repeats;
        ctx.v.gather(dst, 0, src, 5, idx, 0, 16);
        run1 = Array.from(ubRead(ctx, dst, 16));
        const r1 = ctx.v.counters.repeats;
        ubWrite(ctx, idx, [3, 1, 2, 0, 7, 6, 5, 4, 8, 9, 10, 11, 15, 14, 13, 12]);
        ctx.v.gather(dst, 0, src, 5, idx, 0, 16);
        perm = Array.from(ubRead(ctx, dst, 16));
        repeats = [r1 - r0, ctx.v.counters.repeats - r1];
      })).toBeNull();
      expect(run1).toEqual(values.slice(5, 21));
      expect(perm).toEqual([3, 1, 2, 0, 7, 6, 5, 4, 8, 9, 10, 11, 15, 14, 13, 12].map((k) => 105 + k));
      expect(repeats[0]).toBe(repeats[1]);
    });

    it('rechecks a table written after it was trusted: by the scalar unit or an instruction', () => {
      const writes: Array<(ctx: KernelContext, idx: ReturnType<KernelContext['alloc']>) => void> = [
        (ctx, idx) => ctx.v.set(idx, 9, 40),
        (ctx, idx) => ctx.v.fill(idx, 8, 8, 40),
        (ctx, idx) => ctx.v.scale(idx, 8, 8, 5),
      ];
      for (const write of writes) {
        const e = run((ctx) => {
          const src = ctx.alloc('src', 32);
          const idx = ctx.alloc('idx', 16);
          const dst = ctx.alloc('dst', 16);
          ubWrite(ctx, src, values);
          ctx.v.arange(idx, 0, 16);
          ctx.v.gather(dst, 0, src, 0, idx, 0, 16);
          write(ctx, idx);
          ctx.v.gather(dst, 0, src, 0, idx, 0, 16);
        });
        expect(e).toBeInstanceOf(NpuAccessError);
        expect((e as Error).message).toMatch(/gather.*outside the buffer/);
      }
    });

    it('rechecks a table a DMA wrote', () => {
      const sim = new NpuSimulator(makeNpuSpec({ env: {} }));
      const gm = sim.upload('table', 'float32', [8], [0, 1, 2, 3, 4, 5, 6, 99]);
      expect(() => sim.launch({ kernel: 'vec', plan: 'p', cores: 1 }, (ctx) => {
        const src = ctx.alloc('src', 32);
        const idx = ctx.alloc('idx', 8);
        const dst = ctx.alloc('dst', 8);
        ubWrite(ctx, src, values);
        ctx.v.arange(idx, 0, 8);
        ctx.v.gather(dst, 0, src, 0, idx, 0, 8);
        ctx.copyIn(idx, 0, gm, 0, 8);
        ctx.v.gather(dst, 0, src, 0, idx, 0, 8);
      })).toThrow(/gather.*offset 99 at 7 reads element 99, outside the buffer/);
    });

    it('refuses a run that leaves the source at either end, and copies overlapping rows as the element loop does', () => {
      for (const start of [-1, 17]) {
        const e = run((ctx) => {
          const src = ctx.alloc('src', 32);
          const idx = ctx.alloc('idx', 16);
          const dst = ctx.alloc('dst', 16);
          ubWrite(ctx, src, values);
          ctx.v.arange(idx, 0, 16);
          ctx.v.gather(dst, 0, src, start, idx, 0, 16);
        });
        expect((e as Error).message).toMatch(/gather.*outside the buffer/);
      }
      let got: number[] = [];
      expect(run((ctx) => {
        const buf = ctx.alloc('buf', 32);
        const idx = ctx.alloc('idx', 16);
        ubWrite(ctx, buf, values);
        ctx.v.arange(idx, 0, 16);
        // dst = buf[8..24) from buf[3..19): forward overlap, the element loop propagates what it wrote.
        ctx.v.gather(buf, 8, buf, 3, idx, 0, 16);
        got = Array.from(ubRead(ctx, buf, 32));
      })).toBeNull();
      const want = [...values];
      for (let t = 0; t < 16; t++) want[8 + t] = want[3 + t]!;
      expect(got).toEqual(want);
    });
  });

  it('getRows and kahanAddRows equal their per-row and per-element instructions, counts included, and check the whole span', () => {
    const n = 64;
    const xs = seededValues(n, 5);
    const values = Float64Array.from(seededValues(12, 6), (x) => x * 1e3);
    const results: Array<{ rows: number[]; sum: number[]; comp: number[]; scalarOps: number }> = [];
    for (const batched of [true, false]) {
      expect(run((ctx) => {
        const w = ctx.alloc('w', n);
        const sum = ctx.alloc('sum', n);
        const comp = ctx.alloc('comp', n);
        ubWrite(ctx, w, xs);
        ctx.v.fill(sum, 0, n, 0.5);
        ctx.v.fill(comp, 0, n, 0);
        const out = new Float64Array(12);
        const before = ctx.v.counters.scalarOps;
        for (let rep = 0; rep < 3; rep++) {
          if (batched) {
            ctx.v.getRows(w, 5, 9, 4, 3, out);
            ctx.v.kahanAddRows(sum, comp, 5, 9, 4, 3, values);
            ctx.v.kahanAddRows(sum, comp, 40, -13, 3, 3, values, 2);
          } else {
            for (let r = 0; r < 4; r++) ctx.v.getRow(w, 5 + r * 9, 3, out, r * 3);
            for (let r = 0; r < 4; r++) for (let q = 0; q < 3; q++) ctx.v.kahanAdd(sum, comp, 5 + r * 9 + q, values[r * 3 + q]!);
            for (let r = 0; r < 3; r++) for (let q = 0; q < 3; q++) ctx.v.kahanAdd(sum, comp, 40 - r * 13 + q, values[2 + r * 3 + q]!);
          }
        }
        results.push({ rows: Array.from(out), sum: Array.from(ubRead(ctx, sum, n)), comp: Array.from(ubRead(ctx, comp, n)), scalarOps: ctx.v.counters.scalarOps - before });
      })).toBeNull();
    }
    expect(results[0]).toEqual(results[1]);
    for (const [start, stride] of [[-1, 9], [5, 20], [40, -21]] as const) {
      const e = run((ctx) => {
        const w = ctx.alloc('w', n);
        ctx.v.getRows(w, start, stride, 4, 3, new Float64Array(12));
      });
      expect(e, `start ${start} stride ${stride}`).toBeInstanceOf(NpuAccessError);
    }
  });
});
