/**
 * The taps' arithmetic itself (vector-taps.ts, wasm/taps.wat): the convolution part is the hardware's float32
 * axpy per tap, d = f32(d + f32(f32(w_q) * r_q)) for q in order, and the dot sums are float64 over t in order.
 * The other taps tests compare the wasm with the JavaScript loops and the fused calls with the single-row
 * ones, so a change both sides share (float64 products again, a fused multiply-add, taps summed before they
 * are added to d, weights left in float64) would pass them; here every instruction, wasm on and off, is held
 * to a reference written out below, bit for bit, on rows whose elements span magnitudes (so the roundings
 * differ) and weights that are not float32 values.
 */
import { describe, expect, it } from 'vitest';
import { NpuSimulator, makeNpuSpec, seededValues, ubStage, type KernelContext } from '@mta/device-npu';
import { axpyDotTaps, axpyDotTapsMulti, axpyTaps, axpyTapsMulti } from '../src/kernels/npu/vector-taps.js';
import { setWasmTaps, wasmTaps } from '../src/kernels/npu/vector-taps-wasm.js';

const fr = Math.fround;

/** Seeded values whose magnitudes span 2^-8 .. 2^8, so that the products and partial sums round differently. */
function spread(n: number, seed: number): Float32Array {
  const u = seededValues(n, seed);
  const e = seededValues(n, seed + 1000);
  return u.map((x, i) => x * 2 ** Math.round(8 * e[i]!));
}

interface Case { op: 'axpy' | 'axpyDot'; multi: boolean; m: number; k: number; step: number; n: number }

const cases: Case[] = [];
for (const op of ['axpy', 'axpyDot'] as const) {
  for (const multi of [true, false]) {
    for (const m of multi ? [1, 2, 3, 4, 5, 7] : [1]) {
      for (const k of [1, 2, 3, 4]) for (const n of [1, 2, 3, 4, 5, 6, 7, 61, 256]) cases.push({ op, multi, m, k, step: n % 2 ? 264 : -264, n });
    }
  }
}

interface Result { dst: Uint32Array; out: Float64Array }

/** One call of `c` on a fresh UB with the wasm taps on or off: the destination's bits and the sums. */
function run(c: Case, wasmOn: boolean, w: Float64Array, srcVals: Float32Array, dstVals: Float32Array, xVals: Float32Array, stride: number): Result {
  const was = setWasmTaps(wasmOn);
  try {
    let r: Result | null = null;
    new NpuSimulator(makeNpuSpec({ env: {} })).launch({ kernel: 'taps-f32', plan: '', cores: 1 }, (ctx: KernelContext) => {
      if (wasmOn) expect(wasmTaps(ctx.v)).not.toBeNull();
      const { m, k, step, n } = c;
      const sOff = step < 0 ? (k - 1) * -step : 0;
      const { src, dst, x } = ubStage(ctx, { src: srcVals, dst: dstVals, x: xVals });
      const out = new Float64Array(m * k);
      if (c.multi) {
        if (c.op === 'axpy') axpyTapsMulti(ctx.v, dst, 0, stride, m, src, sOff, step, w, k, n);
        else axpyDotTapsMulti(ctx.v, dst, 0, stride, m, src, sOff, step, w, k, n, x, 0, stride, out);
      } else if (c.op === 'axpy') axpyTaps(ctx.v, dst, 0, src, sOff, step, w, k, n);
      else axpyDotTaps(ctx.v, dst, 0, src, sOff, step, w, k, n, x, 0, out);
      const arena = ctx.v.arena;
      r = { dst: new Uint32Array(arena.buffer, arena.byteOffset + dst.offset * 4, dstVals.length).slice(), out };
    });
    return r!;
  } finally {
    setWasmTaps(was);
  }
}

describe('the taps compute float32 axpys per tap and float64 sums', () => {
  it.each(cases)('$op multi=$multi m=$m k=$k step=$step n=$n, wasm on and off', (c) => {
    const { m, k, step, n } = c;
    const stride = 264;
    const sOff = step < 0 ? (k - 1) * -step : 0;
    // Weights a little off float32 values: the instructions round them to float32 first.
    const w = Float64Array.from(spread(m * k, 7 + k), (v) => v * (1 + 2 ** -40));
    const srcVals = spread(n + (k - 1) * Math.abs(step), 11 + n);
    const dstVals = spread((m - 1) * stride + n, 13 + m);
    const xVals = spread((m - 1) * stride + n, 17 + m);

    const want = new Float32Array(dstVals);
    const sums = new Float64Array(m * k);
    let roundingMatters = 0;
    for (let j = 0; j < m; j++) {
      for (let t = 0; t < n; t++) {
        let d = dstVals[j * stride + t]!;
        let once = d;
        for (let q = 0; q < k; q++) {
          const r = srcVals[sOff + t + q * step]!;
          d = fr(d + fr(fr(w[j * k + q]!) * r));
          once += w[j * k + q]! * r;
        }
        want[j * stride + t] = d;
        if (d !== fr(once)) roundingMatters++;
      }
      for (let q = 0; q < k; q++) {
        let s = 0;
        for (let t = 0; t < n; t++) s += xVals[j * stride + t]! * srcVals[sOff + t + q * step]!;
        sums[j * k + q] = s;
      }
    }
    const wantBits = new Uint32Array(want.buffer);
    if (n >= 61 && k > 1) expect(roundingMatters, 'elements where per-tap float32 differs from float64 rounded once').toBeGreaterThan(0);

    for (const wasmOn of [true, false]) {
      const got = run(c, wasmOn, w, srcVals, dstVals, xVals, stride);
      expect(got.dst, `destination bits, wasm ${wasmOn ? 'on' : 'off'}`).toEqual(wantBits);
      if (c.op === 'axpyDot') expect(Array.from(got.out), `sums, wasm ${wasmOn ? 'on' : 'off'}`).toEqual(Array.from(sums));
    }
  });
});
