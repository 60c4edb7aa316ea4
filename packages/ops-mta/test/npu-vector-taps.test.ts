import { describe, expect, it } from 'vitest';
import { NpuAccessError, NpuSimulator, VectorAlignmentError, makeNpuSpec, seededValues, ubRead, ubStage, ubWrite, type UbBuf, type VectorUnit } from '@mta/device-npu';
import { axpyDotTaps, axpyDotTapsMulti, axpyTaps, axpyTapsMulti } from '../src/kernels/npu/vector-taps.js';


const cases: Array<{ m: number; k: number; step: number; n: number }> = [];
// Taps are rows of whole 32-byte blocks apart (8 float32 elements): the vector unit reads operands only from
// block boundaries, so the kernels realign shifted data into such rows before the taps run.
for (const m of [1, 2, 3, 4, 5, 8]) for (const k of [1, 2, 3, 4]) for (const step of [40, -40, 48, -48]) cases.push({ m, k, step, n: 37 });

describe('MTA convolution taps on the npu vector unit', () => {
  it.each(cases)('axpyTapsMulti m=$m k=$k step=$step equals m axpyTaps calls bit for bit and a float64 reference', ({ m, k, step, n }) => {
    const sim = new NpuSimulator(makeNpuSpec());
    const span = n + Math.abs(k - 1) * Math.abs(step);
    const stride = 48;
    const w = Float64Array.from(seededValues(m * k, 11 + m + k), (x) => x);
    const srcVals = seededValues(span, 3 + k);
    const dstVals = seededValues((m - 1) * stride + n, 7 + m);
    const sOff = step < 0 ? (k - 1) * -step : 0;
    let fused: Float32Array | null = null;
    let separate: Float32Array | null = null;
    const repeats: number[] = [];
    for (const mode of ['fused', 'separate'] as const) {
      sim.launch({ kernel: mode, plan: '', cores: 1 }, (ctx) => {
        const src = ctx.alloc('src', span);
        const dst = ctx.alloc('dst', dstVals.length);
        ubWrite(ctx, src, srcVals);
        ubWrite(ctx, dst, dstVals);
        const before = ctx.v.counters.repeats;
        if (mode === 'fused') axpyTapsMulti(ctx.v, dst, 0, stride, m, src, sOff, step, w, k, n);
        else for (let j = 0; j < m; j++) axpyTaps(ctx.v, dst, j * stride, src, sOff, step, w.subarray(j * k, j * k + k), k, n);
        repeats.push(ctx.v.counters.repeats - before);
        if (mode === 'fused') fused = ubRead(ctx, dst, dstVals.length);
        else separate = ubRead(ctx, dst, dstVals.length);
      });
    }
    expect(fused).toEqual(separate);
    expect(repeats[0]).toBe(repeats[1]);
    for (let j = 0; j < m; j++) {
      for (let t = 0; t < n; t++) {
        let ref = dstVals[j * stride + t]!;
        for (let q = 0; q < k; q++) ref += w[j * k + q]! * srcVals[sOff + t + q * step]!;
        expect(fused![j * stride + t]).toBeCloseTo(ref, 5);
      }
    }
  });

  it.each(cases)('axpyDotTapsMulti m=$m k=$k step=$step equals m axpyDotTaps calls bit for bit and a float64 reference', ({ m, k, step, n }) => {
    const sim = new NpuSimulator(makeNpuSpec());
    const span = n + Math.abs(k - 1) * Math.abs(step);
    const stride = 40;
    const w = Float64Array.from(seededValues(m * k, 5 + m * k), (x) => x);
    const srcVals = seededValues(span, 13 + k);
    const dstVals = seededValues((m - 1) * stride + n, 17 + m);
    const xVals = seededValues((m - 1) * stride + n, 19 + m);
    const sOff = step < 0 ? (k - 1) * -step : 0;
    const outs: Float64Array[] = [];
    const dsts: Float32Array[] = [];
    const repeats: number[] = [];
    for (const mode of ['fused', 'separate'] as const) {
      sim.launch({ kernel: mode, plan: '', cores: 1 }, (ctx) => {
        const { src, dst, x } = ubStage(ctx, { src: srcVals, dst: dstVals, x: xVals });
        const out = new Float64Array(m * k);
        const before = ctx.v.counters.repeats;
        if (mode === 'fused') axpyDotTapsMulti(ctx.v, dst, 0, stride, m, src, sOff, step, w, k, n, x, 0, stride, out);
        else {
          const one = new Float64Array(k);
          for (let j = 0; j < m; j++) {
            axpyDotTaps(ctx.v, dst, j * stride, src, sOff, step, w.subarray(j * k, j * k + k), k, n, x, j * stride, one);
            out.set(one, j * k);
          }
        }
        repeats.push(ctx.v.counters.repeats - before);
        outs.push(out);
        dsts.push(ubRead(ctx, dst, dstVals.length));
      });
    }
    expect(dsts[0]).toEqual(dsts[1]);
    expect(outs[0]).toEqual(outs[1]);
    expect(repeats[0]).toBe(repeats[1]);
    for (let j = 0; j < m; j++) {
      for (let q = 0; q < k; q++) {
        let ref = 0;
        for (let t = 0; t < n; t++) ref += xVals[j * stride + t]! * srcVals[sOff + t + q * step]!;
        expect(outs[0]![j * k + q]).toBeCloseTo(ref, 10);
      }
    }
  });

  it('refuses destination rows that overlap the source row', () => {
    const sim = new NpuSimulator(makeNpuSpec());
    expect(() =>
      sim.launch({ kernel: 'overlap', plan: '', cores: 1 }, (ctx) => {
        const buf = ctx.alloc('buf', 64);
        ctx.v.fill(buf, 0, 64, 0);
        axpyTapsMulti(ctx.v, buf, 0, 16, 2, buf, 8, 8, new Float64Array(6), 3, 8);
      }),
    ).toThrow(NpuAccessError);
  });

  it('refuses a tap read in place one element off a block, and rows not a whole number of blocks apart', () => {
    const sim = new NpuSimulator(makeNpuSpec());
    const run = (body: (src: UbBuf, dst: UbBuf, v: VectorUnit) => void): void => {
      sim.launch({ kernel: 'shifted-taps', plan: '', cores: 1 }, (ctx) => {
        const src = ctx.alloc('src', 64);
        const dst = ctx.alloc('dst', 64);
        ctx.v.fill(src, 0, 64, 1);
        ctx.v.fill(dst, 0, 64, 0);
        body(src, dst, ctx.v);
      });
    };
    // The old kernels' form: tap q at src + q (one element per tap): every tap but the first is misaligned.
    expect(() => run((src, dst, v) => axpyTaps(v, dst, 0, src, 0, 1, new Float64Array([1, 2, 3]), 3, 8))).toThrow(VectorAlignmentError);
    expect(() => run((src, dst, v) => axpyTaps(v, dst, 0, src, 1, 8, new Float64Array([1, 2]), 2, 8))).toThrow(/starts at UB byte \d+, expected a multiple of 32/);
    expect(() => run((src, dst, v) => axpyTapsMulti(v, dst, 0, 12, 2, src, 0, 16, new Float64Array(4), 2, 8))).toThrow(/row stride of 'dst' is 12/);
    expect(() => run((src, dst, v) => axpyTapsMulti(v, dst, 0, 16, 2, src, 0, 16, new Float64Array(4), 2, 8))).not.toThrow();
  });
});
