/**
 * The k = 3 tap instructions in wasm (wasm/taps.wat) give the JavaScript loops' bits exactly, sums included,
 * for every row grouping, odd and even lengths, negative tap steps and non-finite values, and count the same.
 */
import { describe, expect, it } from 'vitest';
import { NpuSimulator, makeNpuSpec, seededValues, ubStage, type KernelContext } from '@mta/device-npu';
import { axpyDotTapsMulti, axpyTapsMulti } from '../src/kernels/npu/vector-taps.js';
import { setWasmTaps, wasmTaps } from '../src/kernels/npu/vector-taps-wasm.js';

interface Run { dst: Uint32Array; out: Float64Array; repeats: number }

/** Runs `body` with the wasm taps on or off; the destination's bits (NaN payloads too), the sums and the repeats counted. */
function runWith(wasmOn: boolean, body: (ctx: KernelContext) => { dst: Uint32Array; out: Float64Array }): Run {
  const was = setWasmTaps(wasmOn);
  try {
    let r: Run | null = null;
    new NpuSimulator(makeNpuSpec({ env: {} })).launch({ kernel: 'taps', plan: '', cores: 1 }, (ctx) => {
      if (wasmOn) expect(wasmTaps(ctx.v)).not.toBeNull();
      const before = ctx.v.counters.repeats;
      const { dst, out } = body(ctx);
      r = { dst, out, repeats: ctx.v.counters.repeats - before };
    });
    return r!;
  } finally {
    setWasmTaps(was);
  }
}

/** Seeded values with some NaN, +-Inf and huge entries. */
function values(n: number, seed: number): Float32Array {
  const x = seededValues(n, seed);
  for (let i = 0; i < n; i += 17) x[i] = [NaN, Infinity, -Infinity, 3e38][(i / 17) % 4]!;
  return x;
}

const cases: Array<{ m: number; step: number; n: number; special: boolean }> = [];
for (const m of [1, 2, 3, 4, 5, 6, 8]) for (const step of [1032, -1032]) for (const n of [1, 2, 7, 8, 513, 1024]) cases.push({ m, step, n, special: n === 513 });

describe('k = 3 taps: wasm equals the JavaScript loops bit for bit', () => {
  it.each(cases)('axpyTapsMulti and axpyDotTapsMulti m=$m step=$step n=$n', ({ m, step, n, special }) => {
    const k = 3;
    const stride = 1032;
    const span = n + 2 * Math.abs(step);
    const sOff = step < 0 ? 2 * -step : 0;
    const gen = special ? values : seededValues;
    const w = Float64Array.from(seededValues(m * k, 5 + m), (x) => x);
    const srcVals = gen(span, 13 + n);
    const dstVals = gen((m - 1) * stride + n, 17 + m);
    const xVals = gen((m - 1) * stride + n, 19 + m);
    for (const op of ['axpy', 'axpyDot'] as const) {
      const body = (ctx: KernelContext): { dst: Uint32Array; out: Float64Array } => {
        const { src, dst, x } = ubStage(ctx, { src: srcVals, dst: dstVals, x: xVals });
        const out = new Float64Array(m * k);
        if (op === 'axpy') axpyTapsMulti(ctx.v, dst, 0, stride, m, src, sOff, step, w, k, n);
        else axpyDotTapsMulti(ctx.v, dst, 0, stride, m, src, sOff, step, w, k, n, x, 0, stride, out);
        const arena = ctx.v.arena;
        return { dst: new Uint32Array(arena.buffer, arena.byteOffset + dst.offset * 4, dstVals.length).slice(), out };
      };
      const js = runWith(false, body);
      const wasm = runWith(true, body);
      expect(wasm.dst, `${op}: destination bits`).toEqual(js.dst);
      expect(Array.from(wasm.out), `${op}: sums`).toEqual(Array.from(js.out));
      expect(wasm.repeats).toBe(js.repeats);
    }
  });
});
