/**
 * The vector unit's wasm loops (wasm/vector.wat) give the JavaScript loops' bits: the exponentials store exactly
 * Math.fround(Math.exp(x - shift)) and sum in the same order, over every range the fast exp decides (and the
 * ones it hands to Math.exp: d > 0, NaN, below -707, undecided roundings); scale, softmaxGrad and reduceMax
 * give the loops' exact results, NaN rows and signed-zero maxima included.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@mta/core';
import { type KernelContext, NpuSimulator, makeNpuSpec, reduceTmpElems, setVectorWasm, ubWrite } from '../src/index.js';

const N = 20_001;

/** float32 inputs and a shift spanning the ranges of d = x - shift. */
function inputs(seed: number): { xs: Float32Array; shifts: number[] } {
  const next = mulberry32(seed);
  const xs = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    const band = i % 8;
    const u = next();
    xs[i] = band === 0 ? -u * 1e-6 : band === 1 ? -u * 30 : band === 2 ? -80 - u * 30 : band === 3 ? -690 - u * 80 : band === 4 ? u * 5 : band === 5 ? -u * 1e-40 : -u * 3;
  }
  for (let i = 7; i < N; i += 997) xs[i] = [NaN, -Infinity, Infinity, -0, 0, 3e38, -3e38][(i / 997) % 7 | 0]!;
  return { xs, shifts: [0, 0.75, -2.5, 1e-7] };
}

interface Result { bits: Uint32Array; sums: number[] }

function run(wasmOn: boolean, op: 'expShift' | 'expShiftSum' | 'expShiftScale', xs: Float32Array, shift: number): Result {
  const was = setVectorWasm(wasmOn);
  try {
    let r: Result | null = null;
    new NpuSimulator(makeNpuSpec({ env: {} })).launch({ kernel: 'exp', plan: '', cores: 1 }, (ctx: KernelContext) => {
      const buf = ctx.alloc('buf', N);
      ctx.v.useSharedTmp(ctx.alloc('tmp', reduceTmpElems(N)));
      ubWrite(ctx, buf, xs);
      const sums: number[] = [];
      // Odd and even lengths from aligned starts.
      for (const [off, n] of [[0, N], [8, 1], [16, 2], [24, 333]] as const) {
        if (op === 'expShift') ctx.v.expShift(buf, off, n, shift);
        else if (op === 'expShiftSum') sums.push(ctx.v.expShiftSum(buf, off, n, shift));
        else ctx.v.expShiftScale(buf, off, n, shift, 0.3);
      }
      const arena = ctx.v.arena;
      r = { bits: new Uint32Array(arena.buffer, arena.byteOffset + buf.offset * 4, N).slice(), sums };
    });
    return r!;
  } finally {
    setVectorWasm(was);
  }
}

describe('vector unit exponentials: wasm equals the JavaScript loops bit for bit', () => {
  it('runs on a wasm arena here', () => {
    new NpuSimulator(makeNpuSpec({ env: {} })).launch({ kernel: 'k', plan: '', cores: 1 }, (ctx) => expect(ctx.v.wasm).not.toBeNull());
  });

  for (const op of ['expShift', 'expShiftSum', 'expShiftScale'] as const) {
    it(op, () => {
      const { xs, shifts } = inputs(op.length);
      for (const shift of shifts) {
        const js = run(false, op, xs, shift);
        const wasm = run(true, op, xs, shift);
        expect(wasm.sums).toEqual(js.sums);
        let diff = -1;
        for (let i = 0; i < N && diff < 0; i++) if (wasm.bits[i] !== js.bits[i]) diff = i;
        expect(diff, `first differing element (shift ${shift})`).toBe(-1);
      }
    });
  }

  it('scale, softmaxGrad (rows apart, the same row, overlapping rows) and reduceMax', () => {
    const { xs } = inputs(5);
    const ys = inputs(9).xs;
    const rows: Array<{ label: string; values: number[] }> = [
      { label: 'zeros of both signs', values: [-0, 0, -0, -1, -2, -0, 0] },
      { label: 'negative zero alone', values: [-0, -3, -0, -1, -7] },
      { label: 'NaN', values: [1, NaN, 3, 2, NaN, 0.5] },
      { label: '-Infinity', values: [-Infinity, -Infinity, -Infinity] },
      { label: 'plain', values: [0.25, -4, 9, 3, 9, 1, 2, 8, 7] },
    ];
    const runOps = (wasmOn: boolean): { bits: Uint32Array; maxima: number[] } => {
      const was = setVectorWasm(wasmOn);
      try {
        let r: { bits: Uint32Array; maxima: number[] } | null = null;
        new NpuSimulator(makeNpuSpec({ env: {} })).launch({ kernel: 'ops', plan: '', cores: 1 }, (ctx) => {
          const a = ctx.alloc('a', N);
          const b = ctx.alloc('b', N);
          ctx.v.useSharedTmp(ctx.alloc('tmp', reduceTmpElems(N)));
          ubWrite(ctx, a, xs);
          ubWrite(ctx, b, ys);
          const maxima: number[] = [ctx.v.reduceMax(a, 0, N), ctx.v.reduceMax(b, 8, 333)];
          for (const row of rows) {
            ubWrite(ctx, b, row.values);
            maxima.push(ctx.v.reduceMax(b, 0, row.values.length));
          }
          ubWrite(ctx, b, ys);
          ctx.v.scale(a, 0, N, 0.37);
          ctx.v.scale(a, 8, 3, -1e30);
          ctx.v.softmaxGrad(a, 0, b, 0, N, 0.125);
          ctx.v.softmaxGrad(a, 0, a, 0, 1001, -0.5);
          ctx.v.softmaxGrad(a, 8, a, 0, 1001, 0.75);
          ctx.v.softmaxGrad(a, 0, a, 8, 1001, 0.75);
          const arena = ctx.v.arena;
          r = { bits: new Uint32Array(arena.buffer, arena.byteOffset + a.offset * 4, N).slice(), maxima };
        });
        return r!;
      } finally {
        setVectorWasm(was);
      }
    };
    const js = runOps(false);
    const wasm = runOps(true);
    expect(wasm.maxima.map((m) => Object.is(m, -0) ? '-0' : m)).toEqual(js.maxima.map((m) => Object.is(m, -0) ? '-0' : m));
    let diff = -1;
    for (let i = 0; i < N && diff < 0; i++) if (wasm.bits[i] !== js.bits[i]) diff = i;
    expect(diff).toBe(-1);
  });
});
