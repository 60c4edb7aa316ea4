import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { runOp, runOp1 } from '../dispatch.js';
import { add, cast, div, equal, greater, greaterEqual, less, lessEqual, maximum, minimum, mul, neg, notEqual, pow, sub, where,
  exp, log, sqrt, abs, tanh, sigmoid, relu, sign, type BinaryKind, type CompareKind, type UnaryKind } from '../ops/elementwise.js';
import { max, sum } from '../ops/reduce.js';
import { matmul } from '../ops/matmul.js';
import { logSoftmax, LogSoftmaxBackward, softmax, SoftmaxBackward } from '../ops/softmax.js';
import { tril, triu } from '../ops/masks.js';
import { conv2d, Conv2dBackpropFilter, Conv2dBackpropInput, normalizeConvOptions, type Conv2dAttrs } from '../ops/conv.js';
import { IndexAdd, indexSelect } from '../ops/indexing.js';
import { pad } from '../ops/pad.js';
import { concat } from '../ops/concat.js';
import { AdamUpdate, type AdamUpdateAttrs } from '../ops/optimizer-update.js';
import { contiguous, expand, permute, reshape, slice } from '../ops/views.js';
import { tensor } from '../ops/creation.js';
import {
  bandRef, bfloat16ValueRef, concatRef, conv2dFilterGradRef, conv2dInputGradRef, conv2dRef, elementwiseRef, expandRef,
  float16ValueRef, indexAddRef, indexSelectRef, logSoftmaxBackwardRef, logSoftmaxRef, matmulRef, nearestBfloat16Bits,
  nearestFloat16Bits, padRef, permuteRef, reduceRef, ref, sliceRef, softmaxBackwardRef, softmaxRef, type Ref,
} from './op-suite-reference.js';
import { fromRawStorage, type Layout, type OperandFactory, type Tolerance, type ValueRange } from './op-suite-support.js';

/**
 * Forward cases of the shared op suite: every kernel-backed op against a naive float64 reference, over
 * broadcasting, non-contiguous views (permuted, sliced with an offset, expanded with stride 0), edge
 * shapes (0-d, size-1 and size-0 dims) and dtypes. Cases stay small so slow simulated devices can run them.
 */
export interface CaseContext {
  readonly device: string;
  readonly make: OperandFactory;
  /** Records a failure unless `actual` matches the reference in shape, dtype and values. */
  close(label: string, actual: Tensor, expected: Ref, dtype: DType, tolerance?: Tolerance): void;
  /**
   * Records a failure unless `actual` has `dtype` and its storage holds exactly `expected` (bit patterns for
   * half types): read with `toArray()` where the device reads synchronously, awaited with `data()` otherwise.
   */
  bits(label: string, actual: Tensor, expected: ArrayLike<number>, dtype: DType): void;
  /** Records a failure unless fn throws an error whose message matches `pattern`. */
  throws(label: string, fn: () => unknown, pattern: RegExp): void;
}

export interface SuiteCase {
  readonly group: string;
  readonly name: string;
  readonly run: (c: CaseContext) => void;
}

const cases: SuiteCase[] = [];
const addCase = (group: string, name: string, run: (c: CaseContext) => void): void => { cases.push({ group, name, run }); };

// ---- elementwise binary ------------------------------------------------------------------------

const BINARY: Record<BinaryKind, { fn: (a: Tensor, b: Tensor) => Tensor; ref: (a: number, b: number) => number; int: (a: number, b: number) => number; a: ValueRange; b: ValueRange; ib: ValueRange }> = {
  add: { fn: add, ref: (a, b) => a + b, int: (a, b) => a + b, a: {}, b: {}, ib: {} },
  sub: { fn: sub, ref: (a, b) => a - b, int: (a, b) => a - b, a: {}, b: {}, ib: {} },
  mul: { fn: mul, ref: (a, b) => a * b, int: (a, b) => a * b, a: {}, b: {}, ib: {} },
  div: { fn: div, ref: (a, b) => a / b, int: (a, b) => Math.trunc(a / b), a: {}, b: { awayFromZero: 0.5 }, ib: { lo: 1, hi: 4 } },
  pow: { fn: pow, ref: (a, b) => a ** b, int: (a, b) => a ** b, a: { lo: 0.5, hi: 2 }, b: {}, ib: { lo: 0, hi: 3 } },
  maximum: { fn: maximum, ref: (a, b) => Math.max(a, b), int: (a, b) => Math.max(a, b), a: {}, b: {}, ib: {} },
  minimum: { fn: minimum, ref: (a, b) => Math.min(a, b), int: (a, b) => Math.min(a, b), a: {}, b: {}, ib: {} },
};

const binaryShapes: readonly { name: string; a: number[]; b: number[]; dtype: DType; la: Layout; lb: Layout }[] = [
  { name: 'same shape float64', a: [3, 4], b: [3, 4], dtype: 'float64', la: 'contiguous', lb: 'contiguous' },
  { name: 'broadcast [2,3,1] (permuted) with [4] float32', a: [2, 3, 1], b: [4], dtype: 'float32', la: 'permuted', lb: 'contiguous' },
  { name: 'sliced [3,4] with a 0-d scalar float32', a: [3, 4], b: [], dtype: 'float32', la: 'sliced', lb: 'contiguous' },
  { name: '0-d scalar with expanded [2,1,3] float64', a: [], b: [2, 2, 3], dtype: 'float64', la: 'contiguous', lb: 'expanded' },
  { name: 'both broadcast [4,1] with [1,5] float64', a: [4, 1], b: [1, 5], dtype: 'float64', la: 'contiguous', lb: 'contiguous' },
  { name: 'size-0 [0,3] with [1,3] float32', a: [0, 3], b: [1, 3], dtype: 'float32', la: 'contiguous', lb: 'contiguous' },
  { name: 'int32 permuted [3,4] with [4]', a: [3, 4], b: [4], dtype: 'int32', la: 'permuted', lb: 'contiguous' },
];

for (const [kind, spec] of Object.entries(BINARY) as [BinaryKind, (typeof BINARY)[BinaryKind]][]) {
  for (const s of binaryShapes) {
    addCase('elementwise binary', `${kind}: ${s.name}`, (c) => {
      const int = s.dtype === 'int32';
      const a = c.make.random(s.a, s.dtype, s.la, int ? { lo: -5, hi: 5 } : spec.a);
      const b = c.make.random(s.b, s.dtype, s.lb, int ? { lo: -5, hi: 5, ...spec.ib } : spec.b);
      c.close(kind, spec.fn(a.t, b.t), elementwiseRef([a.r, b.r], int ? spec.int : spec.ref), s.dtype);
    });
  }
}

// ---- comparisons -------------------------------------------------------------------------------

const COMPARE: Record<CompareKind, { fn: (a: Tensor, b: Tensor) => Tensor; ref: (a: number, b: number) => boolean }> = {
  equal: { fn: equal, ref: (a, b) => a === b },
  notEqual: { fn: notEqual, ref: (a, b) => a !== b },
  less: { fn: less, ref: (a, b) => a < b },
  lessEqual: { fn: lessEqual, ref: (a, b) => a <= b },
  greater: { fn: greater, ref: (a, b) => a > b },
  greaterEqual: { fn: greaterEqual, ref: (a, b) => a >= b },
};

for (const [kind, spec] of Object.entries(COMPARE) as [CompareKind, (typeof COMPARE)[CompareKind]][]) {
  const refFn = (a: number, b: number): number => (spec.ref(a, b) ? 1 : 0);
  // Small integers as floats make ties common, which is where comparisons go wrong.
  addCase('comparison', `${kind}: float32 (cast from a sliced int32 view) [3,4] with [4], many ties`, (c) => {
    const a = c.make.random([3, 4], 'int32', 'sliced', { lo: -1, hi: 1 });
    const b = c.make.random([4], 'int32', 'contiguous', { lo: -1, hi: 1 });
    c.close(kind, spec.fn(cast(a.t, 'float32'), cast(b.t, 'float32')), elementwiseRef([a.r, b.r], refFn), 'bool');
  });
  addCase('comparison', `${kind}: int32 permuted [2,3] with 0-d`, (c) => {
    const a = c.make.random([2, 3], 'int32', 'permuted', { lo: -2, hi: 2 });
    const b = c.make.of([], [0], 'int32');
    c.close(kind, spec.fn(a.t, b.t), elementwiseRef([a.r, b.r], refFn), 'bool');
  });
  addCase('comparison', `${kind}: bool [2,2] with [2,1]`, (c) => {
    const a = c.make.of([2, 2], [0, 1, 1, 0], 'bool'), b = c.make.of([2, 1], [1, 0], 'bool');
    c.close(kind, spec.fn(a.t, b.t), elementwiseRef([a.r, b.r], refFn), 'bool');
  });
  addCase('comparison', `${kind}: float16 with negative values (bit patterns do not order like values)`, (c) => {
    const values = [-2, -0.5, 0, 0.5, 2, -1];
    const other = [-1, -0.5, 0.25, 1, -2, -1];
    const a = cast(tensor(values, [6], { dtype: 'float32', device: c.device }), 'float16');
    const b = cast(tensor(other, [6], { dtype: 'float32', device: c.device }), 'float16');
    c.close(kind, spec.fn(a, b), elementwiseRef([ref([6], values), ref([6], other)], refFn), 'bool');
  });
}

// ---- unary -------------------------------------------------------------------------------------

const UNARY: Record<UnaryKind, { fn: (x: Tensor) => Tensor; ref: (x: number) => number; range: ValueRange; int: boolean }> = {
  neg: { fn: neg, ref: (x) => -x, range: {}, int: true },
  exp: { fn: exp, ref: Math.exp, range: { lo: -4, hi: 4 }, int: false },
  log: { fn: log, ref: Math.log, range: { lo: 0.05, hi: 5 }, int: false },
  sqrt: { fn: sqrt, ref: Math.sqrt, range: { lo: 0, hi: 5 }, int: false },
  abs: { fn: abs, ref: Math.abs, range: {}, int: true },
  tanh: { fn: tanh, ref: Math.tanh, range: { lo: -3, hi: 3 }, int: false },
  sigmoid: { fn: sigmoid, ref: (x) => 1 / (1 + Math.exp(-x)), range: { lo: -6, hi: 6 }, int: false },
  relu: { fn: relu, ref: (x) => (x > 0 ? x : 0), range: {}, int: true },
  sign: { fn: sign, ref: Math.sign, range: {}, int: true },
};

for (const [kind, spec] of Object.entries(UNARY) as [UnaryKind, (typeof UNARY)[UnaryKind]][]) {
  addCase('unary', `${kind}: float64 permuted [2,3,4]`, (c) => {
    const x = c.make.random([2, 3, 4], 'float64', 'permuted', spec.range);
    c.close(kind, spec.fn(x.t), elementwiseRef([x.r], spec.ref), 'float64');
  });
  addCase('unary', `${kind}: float32 sliced [5] and 0-d`, (c) => {
    const x = c.make.random([5], 'float32', 'sliced', spec.range);
    c.close(kind, spec.fn(x.t), elementwiseRef([x.r], spec.ref), 'float32');
    const s = c.make.random([], 'float32', 'contiguous', spec.range);
    c.close(`${kind} 0-d`, spec.fn(s.t), elementwiseRef([s.r], spec.ref), 'float32');
  });
  if (spec.int) {
    addCase('unary', `${kind}: int32 [7]`, (c) => {
      const x = c.make.random([7], 'int32', 'contiguous', { lo: -3, hi: 3 });
      c.close(kind, spec.fn(x.t), elementwiseRef([x.r], spec.ref), 'int32');
    });
  }
}

// ---- where -------------------------------------------------------------------------------------

for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
  addCase('where', `${dtype}: condition [3,1], a [1,4] (sliced), b 0-d`, (c) => {
    const cond = c.make.random([3, 1], 'bool');
    const a = c.make.random([1, 4], dtype, 'sliced', { lo: -3, hi: 3 });
    const b = c.make.random([], dtype, 'contiguous', { lo: -3, hi: 3 });
    c.close('where', where(cond.t, a.t, b.t), elementwiseRef([cond.r, a.r, b.r], (p, x, y) => (p ? x : y)), dtype);
  });
}
addCase('where', 'float64: all operands same shape, condition permuted', (c) => {
  const cond = c.make.random([3, 4], 'bool', 'permuted');
  const a = c.make.random([3, 4]), b = c.make.random([3, 4]);
  c.close('where', where(cond.t, a.t, b.t), elementwiseRef([cond.r, a.r, b.r], (p, x, y) => (p ? x : y)), 'float64');
});

// ---- cast --------------------------------------------------------------------------------------

const PLAIN = ['float32', 'float64', 'int32', 'bool'] as const;
const convertRef: Record<(typeof PLAIN)[number], (v: number) => number> = {
  float32: Math.fround, float64: (v) => v, int32: Math.trunc, bool: (v) => (v !== 0 ? 1 : 0),
};
for (const from of PLAIN) {
  for (const to of PLAIN) {
    if (from === to) continue;
    addCase('cast', `${from} -> ${to} (permuted source)`, (c) => {
      const x = c.make.random([2, 3], from, 'permuted', { lo: -4, hi: 4, awayFromZero: from === 'int32' ? 0 : 0.01 });
      c.close('cast', cast(x.t, to), elementwiseRef([x.r], convertRef[to]), to);
    });
  }
}

/** float32-exact values that exercise rounding: ties, subnormals, overflow, signed zero, infinities. */
const HALF_PROBES = [0, -0, 1, -1, 1 / 3, -2 / 3, 0.1, 65504, 65519, 65520, 1e5, -1e5, 6e-5, 6e-8, 3e-8, 1e-9,
  1 + 2 ** -11, 1 + 3 * 2 ** -11, 2049, 2051, 3.14159, 1e30, -1e-30, Infinity, -Infinity, 1.00390625, 1.01171875, 255.5, 256.5]
  .map(Math.fround);

addCase('cast', 'float32 -> float16 rounds to nearest even (bit patterns)', (c) => {
  const extra = Array.from({ length: 32 }, () => Math.fround((c.make.rng.uniform() - 0.5) * 2 ** (c.make.rng.int(40) - 20)));
  const values = [...HALF_PROBES, ...extra];
  const out = cast(tensor(values, [values.length], { dtype: 'float32', device: c.device }), 'float16');
  c.bits('bits', out, values.map(nearestFloat16Bits), 'float16');
});

addCase('cast', 'float32 -> bfloat16 rounds to nearest even (bit patterns)', (c) => {
  const extra = Array.from({ length: 32 }, () => Math.fround((c.make.rng.uniform() - 0.5) * 2 ** (c.make.rng.int(80) - 40)));
  const values = [...HALF_PROBES.filter((v) => Number.isFinite(v)), ...extra];
  const out = cast(tensor(values, [values.length], { dtype: 'float32', device: c.device }), 'bfloat16');
  c.bits('bits', out, values.map(nearestBfloat16Bits), 'bfloat16');
});

addCase('cast', 'float16 and bfloat16 decode to float32, float64, int32 and bool, and convert into each other', (c) => {
  const bits = [0x0000, 0x8000, 0x3c00, 0xbc00, 0x3555, 0x0001, 0x03ff, 0x0400, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x4248, 0xc0a0];
  for (const half of ['float16', 'bfloat16'] as const) {
    const decode = half === 'float16' ? float16ValueRef : bfloat16ValueRef;
    const x = fromRawStorage([bits.length], half, bits, c.device);
    const values = bits.map(decode);
    c.close(`${half} -> float32`, cast(x, 'float32'), ref([bits.length], values.map(Math.fround)), 'float32');
    c.close(`${half} -> float64`, cast(x, 'float64'), ref([bits.length], values), 'float64');
    c.close(`${half} -> bool`, cast(x, 'bool'), ref([bits.length], values.map((v) => (v !== 0 ? 1 : 0))), 'bool');
    // Only values int32 can hold: conversion of anything else is unspecified.
    const fits = values.map((v) => Number.isFinite(v) && Math.abs(v) < 2 ** 31);
    const xi = fromRawStorage([bits.length], half, bits.map((b, i) => (fits[i] ? b : 0)), c.device);
    c.close(`${half} -> int32`, cast(xi, 'int32'), ref([bits.length], values.map((v, i) => (fits[i] ? Math.trunc(v) : 0))), 'int32');
    const other = half === 'float16' ? 'bfloat16' : 'float16';
    const nearest = other === 'float16' ? nearestFloat16Bits : nearestBfloat16Bits;
    const converted = cast(x, other);
    c.bits(`${half} -> ${other}`, converted, values.map(nearest), other);
  }
});

// ---- reductions --------------------------------------------------------------------------------

const REDUCE_AXES: readonly (readonly number[])[] = [[], [0], [1], [2], [0, 2], [1, 2], [0, 1, 2]];
for (const kind of ['sum', 'max'] as const) {
  const fn = kind === 'sum' ? sum : max;
  for (const axes of REDUCE_AXES) {
    for (const keepDims of [false, true]) {
      addCase('reduce', `${kind} over [${axes.join(',')}] keepDims=${keepDims}: float64 permuted [3,4,5]`, (c) => {
        const x = c.make.random([3, 4, 5], 'float64', 'permuted');
        c.close(kind, fn(x.t, axes, keepDims), reduceRef(x.r, axes, keepDims, kind), 'float64');
      });
    }
  }
  addCase('reduce', `${kind}: int32, float32 with a long axis, size-1 dims, 0-d, expanded input`, (c) => {
    const xi = c.make.random([4, 6], 'int32', 'sliced', { lo: -50, hi: 50 });
    c.close('int32 axis 1', fn(xi.t, 1), reduceRef(xi.r, [1], false, kind), 'int32');
    const xl = c.make.random([3, 700], 'float32', 'contiguous', { lo: 0, hi: 1 });
    c.close('float32 long axis', fn(xl.t, 1), reduceRef(xl.r, [1], false, kind), 'float32', { atol: 1e-4, rtol: 1e-5 });
    const x1 = c.make.random([1, 4, 1], 'float64');
    c.close('size-1 dims', fn(x1.t, [0, 2]), reduceRef(x1.r, [0, 2], false, kind), 'float64');
    c.close('size-1 dims, all axes', fn(x1.t), reduceRef(x1.r, [0, 1, 2], false, kind), 'float64');
    const s = c.make.random([], 'float64');
    c.close('0-d', fn(s.t), reduceRef(s.r, [], false, kind), 'float64');
    const e = c.make.random([3, 4], 'float64', 'expanded');
    c.close('expanded', fn(e.t, 0, true), reduceRef(e.r, [0], true, kind), 'float64');
  });
}
addCase('reduce', 'sum over a size-0 axis is 0; max propagates NaN', (c) => {
  const z = c.make.of([0, 3], [], 'float64');
  c.close('sum of nothing', sum(z.t, 0), ref([3], [0, 0, 0]), 'float64');
  const n = c.make.of([2, 3], [1, NaN, 2, 4, 5, 6], 'float64');
  c.close('max with NaN', max(n.t, 1), ref([2], [NaN, 6]), 'float64');
  c.close('max with NaN, axis 0', max(n.t, 0), ref([3], [4, NaN, 6]), 'float64');
});

// ---- matmul ------------------------------------------------------------------------------------

const MATMUL: readonly { name: string; a: number[]; b: number[]; dtype: DType; la?: Layout; lb?: Layout; tol?: Tolerance }[] = [
  { name: '[3,4] @ [4,5] float64', a: [3, 4], b: [4, 5], dtype: 'float64' },
  { name: '[2,3,4] @ [4,5] float32 (shared right operand)', a: [2, 3, 4], b: [4, 5], dtype: 'float32' },
  { name: '[2,1,3,4] @ [3,4,2] float64 (both batch dims broadcast)', a: [2, 1, 3, 4], b: [3, 4, 2], dtype: 'float64' },
  { name: '[2,3,4] @ [1,4,5] float64 (size-1 batch)', a: [2, 3, 4], b: [1, 4, 5], dtype: 'float64' },
  { name: '[1,3] @ [3,1] and outer [4,1] @ [1,4] float32', a: [1, 3], b: [3, 1], dtype: 'float32' },
  { name: '[4,1] @ [1,4] float32', a: [4, 1], b: [1, 4], dtype: 'float32' },
  { name: 'permuted [3,4] @ sliced [4,5] float64', a: [3, 4], b: [4, 5], dtype: 'float64', la: 'permuted', lb: 'sliced' },
  { name: '[2,3,4] @ expanded [2,4,5] float64', a: [2, 3, 4], b: [2, 4, 5], dtype: 'float64', lb: 'expanded' },
  { name: '[20,130] @ [130,21] float32 (long inner dim)', a: [20, 130], b: [130, 21], dtype: 'float32', tol: { atol: 1e-4, rtol: 1e-4 } },
  { name: '[2,0,3] @ [3,4] float64 (empty)', a: [2, 0, 3], b: [3, 4], dtype: 'float64' },
];
for (const m of MATMUL) {
  addCase('matmul', m.name, (c) => {
    const a = c.make.random(m.a, m.dtype, m.la), b = c.make.random(m.b, m.dtype, m.lb);
    c.close('matmul', matmul(a.t, b.t), matmulRef(a.r, b.r), m.dtype, m.tol);
  });
}

// ---- softmax family ----------------------------------------------------------------------------

for (const [name, fn, refFn] of [['softmax', softmax, softmaxRef], ['logSoftmax', logSoftmax, logSoftmaxRef]] as const) {
  for (const axis of [2, 1, 0]) {
    addCase('softmax', `${name} axis ${axis}: float64 permuted [2,3,5]`, (c) => {
      const x = c.make.random([2, 3, 5], 'float64', 'permuted', { lo: -3, hi: 3 });
      c.close(name, fn(x.t, axis), refFn(x.r, axis), 'float64');
    });
  }
  addCase('softmax', `${name}: float32 with logits of +-1000 and -1e9 masks (no overflow)`, (c) => {
    const x = c.make.of([2, 4], [1000, 999, -1000, 998, -1e9, 0.5, -1e9, 1.5], 'float32');
    c.close(name, fn(x.t, -1), refFn(x.r, 1), 'float32', { atol: 1e-5, rtol: 1e-5 });
  });
}

for (const [name, op, refFn] of [['softmaxBackward', SoftmaxBackward, softmaxBackwardRef], ['logSoftmaxBackward', LogSoftmaxBackward, logSoftmaxBackwardRef]] as const) {
  for (const axis of [2, 0]) {
    addCase('softmax', `${name} axis ${axis}: float64 [2,3,4]`, (c) => {
      const x = c.make.random([2, 3, 4], 'float64');
      const y = name === 'softmaxBackward' ? softmax(x.t, axis) : logSoftmax(x.t, axis);
      const g = c.make.random([2, 3, 4], 'float64', 'permuted');
      // The reference's own forward (not a read of y, which a GPU cannot do synchronously): y's rounding
      // moves dx far less than the tolerance.
      const yr = name === 'softmaxBackward' ? softmaxRef(x.r, axis) : logSoftmaxRef(x.r, axis);
      c.close(name, runOp1(op, [y, g.t], { axis }), refFn(yr, g.r, axis), 'float64');
    });
  }
}

// ---- band masks --------------------------------------------------------------------------------

for (const upper of [true, false]) {
  const fn = upper ? triu : tril;
  for (const k of [-1, 0, 2, 10, -10]) {
    addCase('band mask', `${upper ? 'triu' : 'tril'} k=${k}: float32 [2,3,4] and permuted [4,3]`, (c) => {
      const x = c.make.random([2, 3, 4], 'float32');
      c.close('fill 0', fn(x.t, k), bandRef(x.r, upper, k, 0), 'float32');
      c.close('fill -1e9', fn(x.t, k, -1e9), bandRef(x.r, upper, k, -1e9), 'float32');
      const p = c.make.random([4, 3], 'float64', 'permuted');
      c.close('permuted', fn(p.t, k, 7), bandRef(p.r, upper, k, 7), 'float64');
    });
  }
}
addCase('band mask', 'masked positions are written, never read: NaN and Inf there do not leak', (c) => {
  const values = [1, NaN, Infinity, 2, 3, NaN, 4, 5, 6];
  const x = c.make.of([3, 3], values, 'float64');
  c.close('triu', triu(x.t, 0, -1e9), ref([3, 3], [1, NaN, Infinity, -1e9, 3, NaN, -1e9, -1e9, 6]), 'float64');
  const y = c.make.of([3, 3], [1, NaN, NaN, 2, 3, Infinity, 4, 5, 6], 'float64');
  c.close('tril', tril(y.t, 0, -1e9), ref([3, 3], [1, -1e9, -1e9, 2, 3, -1e9, 4, 5, 6]), 'float64');
});
addCase('band mask', 'int32 and bool dtypes', (c) => {
  const x = c.make.random([3, 3], 'int32', 'contiguous', { lo: 1, hi: 9 });
  c.close('int32', tril(x.t, 0, -1), bandRef(x.r, false, 0, -1), 'int32');
  const b = c.make.of([2, 2], [1, 1, 1, 1], 'bool');
  c.close('bool', triu(b.t, 1), bandRef(b.r, true, 1, 0), 'bool');
});

// ---- conv2d ------------------------------------------------------------------------------------

interface ConvSpec { name: string; x: number[]; w: number[]; bias?: boolean; pads?: number | [number, number, number, number]; dilation?: number | [number, number]; groups?: number; dtype?: DType; layout?: Layout }
const CONV: readonly ConvSpec[] = [
  { name: '3x3, pad 1', x: [1, 1, 5, 5], w: [1, 1, 3, 3], pads: 1 },
  { name: '3x3 with bias, batch 2, 3 -> 4 channels', x: [2, 3, 6, 7], w: [4, 3, 3, 3], bias: true, pads: 1 },
  { name: 'causal pads [2,0,1,1]', x: [1, 2, 5, 6], w: [3, 2, 3, 3], pads: [2, 0, 1, 1] },
  { name: 'dilation [2,1], pads [2,2,0,0]', x: [1, 2, 6, 5], w: [2, 2, 3, 3], dilation: [2, 1], pads: [2, 2, 0, 0] },
  { name: 'dilation 2 both axes, no padding', x: [1, 1, 7, 7], w: [1, 1, 3, 3], dilation: 2 },
  { name: 'groups 2', x: [1, 4, 5, 5], w: [6, 2, 3, 3], groups: 2, pads: 1, bias: true },
  { name: 'depthwise (groups = channels)', x: [2, 3, 4, 4], w: [3, 1, 3, 3], groups: 3, pads: 1 },
  { name: '1x1 kernel', x: [1, 3, 3, 4], w: [2, 3, 1, 1] },
  { name: '1x5 kernel (taps beyond 3), pads [0,0,4,0]', x: [1, 2, 3, 8], w: [2, 2, 1, 5], pads: [0, 0, 4, 0] },
  { name: '2x4 kernel, pads [1,0,3,0]', x: [1, 1, 4, 6], w: [1, 1, 2, 4], pads: [1, 0, 3, 0] },
  { name: 'kernel larger than the input, padded', x: [1, 1, 2, 2], w: [1, 1, 3, 3], pads: 1 },
  { name: 'float32, permuted input', x: [2, 2, 5, 6], w: [3, 2, 3, 3], pads: 1, bias: true, dtype: 'float32', layout: 'permuted' },
];

function convAttrs(s: ConvSpec): Conv2dAttrs {
  return normalizeConvOptions({ pads: s.pads ?? 0, dilation: s.dilation ?? 1, groups: s.groups ?? 1 });
}

for (const s of CONV) {
  const dtype = s.dtype ?? 'float64';
  const tol = dtype === 'float32' ? { atol: 1e-4, rtol: 1e-4 } : undefined;
  addCase('conv2d', `forward: ${s.name}`, (c) => {
    const attrs = convAttrs(s);
    const x = c.make.random(s.x, dtype, s.layout), w = c.make.random(s.w, dtype);
    const b = s.bias ? c.make.random([s.w[0]!], dtype) : null;
    c.close('conv2d', conv2d(x.t, w.t, b?.t, attrs), conv2dRef(x.r, w.r, b?.r ?? null, attrs), dtype, tol);
  });
  addCase('conv2d', `backprop input and filter: ${s.name}`, (c) => {
    const attrs = convAttrs(s);
    const x = c.make.random(s.x, dtype), w = c.make.random(s.w, dtype);
    const yShape = conv2dRef(x.r, w.r, null, attrs).shape;
    const g = c.make.random(yShape, dtype, s.layout);
    c.close('dX', runOp1(Conv2dBackpropInput, [g.t, w.t], { ...attrs, inputShape: s.x }), conv2dInputGradRef(g.r, w.r, s.x, attrs), dtype, tol);
    c.close('dW', runOp1(Conv2dBackpropFilter, [x.t, g.t], { ...attrs, weightShape: s.w }), conv2dFilterGradRef(x.r, g.r, s.w, attrs), dtype, tol);
  });
}

// ---- indexing ----------------------------------------------------------------------------------

addCase('indexing', 'indexSelect: axis 0 with repeats, axis 1 with 2-D indices, 0-d index, int32 source', (c) => {
  const x = c.make.random([5, 3], 'float32');
  const idx = [4, 0, 4, 2];
  c.close('axis 0', indexSelect(x.t, tensor(idx, [4], { dtype: 'int32', device: c.device }), 0), indexSelectRef(x.r, idx, [4], 0), 'float32');
  const y = c.make.random([2, 5, 3], 'float64', 'permuted');
  const idx2 = [1, 1, 3, 0];
  c.close('axis 1, 2-D indices', indexSelect(y.t, tensor(idx2, [2, 2], { dtype: 'int32', device: c.device }), 1), indexSelectRef(y.r, idx2, [2, 2], 1), 'float64');
  c.close('0-d index', indexSelect(y.t, tensor(2, { dtype: 'int32', device: c.device }), 2), indexSelectRef(y.r, [2], [], 2), 'float64');
  const z = c.make.random([4, 2], 'int32', 'contiguous', { lo: -9, hi: 9 });
  c.close('int32 source', indexSelect(z.t, tensor([3, 1], [2], { dtype: 'int32', device: c.device }), 0), indexSelectRef(z.r, [3, 1], [2], 0), 'int32');
});
addCase('indexing', 'indexSelect refuses out-of-range and negative indices with a clear error', (c) => {
  const x = c.make.random([5, 3], 'float32');
  c.throws('index 5 of 5', () => indexSelect(x.t, tensor([0, 5], [2], { dtype: 'int32', device: c.device })), /out of range/);
  c.throws('index -1', () => indexSelect(x.t, tensor([-1], [1], { dtype: 'int32', device: c.device })), /out of range/);
});
addCase('indexing', 'indexAdd accumulates repeated indices', (c) => {
  const idx = [2, 0, 2, 2];
  const g = c.make.random([3, 4, 2], 'float64');
  c.close('axis 1', runOp1(IndexAdd, [g.t, tensor(idx, [4], { dtype: 'int32', device: c.device })], { axis: 1, inputShape: [3, 5, 2] }),
    indexAddRef(g.r, idx, [4], 1, [3, 5, 2]), 'float64');
  const g0 = c.make.random([2, 2, 3], 'float32');
  c.close('axis 0, 2-D indices', runOp1(IndexAdd, [g0.t, tensor([1, 1, 0, 1], [2, 2], { dtype: 'int32', device: c.device })], { axis: 0, inputShape: [3, 3] }),
    indexAddRef(g0.r, [1, 1, 0, 1], [2, 2], 0, [3, 3]), 'float32');
});

// ---- optimizer update -------------------------------------------------------------------------

/** Adam's step in float64, straight from the formula (AdamUpdate's comment). */
function adamRef(p: number, g: number, m: number, v: number, a: AdamUpdateAttrs): [number, number, number] {
  const gi = a.weightDecay && !a.decoupled ? g + p * a.weightDecay : g;
  const mi = m * a.beta1 + gi * (1 - a.beta1);
  const vi = v * a.beta2 + gi * gi * (1 - a.beta2);
  const dir = mi / a.correction1 / (Math.sqrt(vi / a.correction2) + a.eps);
  return [(a.weightDecay && a.decoupled ? p * (1 - a.lr * a.weightDecay) : p) - dir * a.lr, mi, vi];
}

for (const [name, dtype, shape, weightDecay, decoupled] of [
  ['Adam with L2 weight decay, float64 [3,4]', 'float64', [3, 4], 0.1, false],
  ['AdamW (decoupled decay), float32 [7]', 'float32', [7], 0.01, true],
  ['no weight decay, float32 [2,3] at step 3', 'float32', [2, 3], 0, false],
] as const) {
  addCase('optimizer', `adamUpdate: ${name}`, (c) => {
    const attrs: AdamUpdateAttrs = {
      lr: 3e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, correction1: 1 - 0.9 ** 3, correction2: 1 - 0.999 ** 3, weightDecay, decoupled,
    };
    const [p, g, m] = [0, 1, 2].map(() => c.make.random(shape, dtype));
    const v = c.make.random(shape, dtype, 'contiguous', { lo: 0, hi: 0.5 });
    const [pOut, mOut, vOut] = runOp(AdamUpdate, [p!.t, g!.t, m!.t, v.t], attrs);
    const want = Array.from(p!.r.data, (_, i) => adamRef(p!.r.data[i]!, g!.r.data[i]!, m!.r.data[i]!, v.r.data[i]!, attrs));
    // Float32's steps round a dozen times; the step's size (lr) bounds what that can move the parameter.
    const tol = dtype === 'float32' ? { atol: 1e-5, rtol: 1e-5 } : undefined;
    c.close('parameter', pOut!, ref(shape, want.map((w) => w[0])), dtype, tol);
    c.close('m', mOut!, ref(shape, want.map((w) => w[1])), dtype, tol);
    c.close('v', vOut!, ref(shape, want.map((w) => w[2])), dtype, tol);
  });
}

// ---- pad, concat, contiguous, views ------------------------------------------------------------

addCase('pad', 'constant pads: float32, int32 partial pads, bool, permuted source', (c) => {
  const x = c.make.random([2, 3], 'float32');
  c.close('float32', pad(x.t, [1, 2, 0, 1], 0.5), padRef(x.r, [1, 2, 0, 1], 0.5), 'float32');
  const y = c.make.random([2, 2, 2], 'int32', 'contiguous', { lo: 1, hi: 5 });
  c.close('int32 leading pairs only', pad(y.t, [0, 1, 2, 0], -7), padRef(y.r, [0, 1, 2, 0, 0, 0], -7), 'int32');
  const b = c.make.of([2], [1, 0], 'bool');
  c.close('bool', pad(b.t, [1, 1], 1), padRef(b.r, [1, 1], 1), 'bool');
  const p = c.make.random([3, 4], 'float64', 'permuted');
  c.close('permuted', pad(p.t, [0, 0, 3, 1]), padRef(p.r, [0, 0, 3, 1], 0), 'float64');
});

addCase('concat', 'three inputs along each axis, one of them non-contiguous; int32', (c) => {
  for (const axis of [0, 1, 2]) {
    const shape = (n: number): number[] => [2, 3, 4].map((d, i) => (i === axis ? n : d));
    const a = c.make.random(shape(1)), b = c.make.random(shape(3), 'float64', 'permuted'), d = c.make.random(shape(2), 'float64', 'sliced');
    c.close(`axis ${axis}`, concat([a.t, b.t, d.t], axis), concatRef([a.r, b.r, d.r], axis), 'float64');
  }
  const x = c.make.random([2, 2], 'int32'), y = c.make.random([2, 1], 'int32');
  c.close('int32 axis -1', concat([x.t, y.t], -1), concatRef([x.r, y.r], 1), 'int32');
});

addCase('contiguous', 'gathers permuted, sliced, expanded and half-precision views', (c) => {
  const base = c.make.random([2, 3, 4]);
  c.close('permuted', contiguous(permute(base.t, [2, 0, 1])), permuteRef(base.r, [2, 0, 1]), 'float64');
  c.close('sliced', contiguous(slice(base.t, [1, 1, 1], [2, 3, 3])), sliceRef(base.r, [1, 1, 1], [2, 3, 3]), 'float64');
  const row = c.make.random([1, 4], 'int32');
  c.close('expanded', contiguous(expand(row.t, [3, 4])), expandRef(row.r, [3, 4]), 'int32');
  const bits = [0x3c00, 0x4000, 0x4200, 0x4400, 0xbc00, 0x0000];
  const half = fromRawStorage([2, 3], 'float16', bits, c.device);
  const moved = contiguous(permute(half, [1, 0]));
  c.bits('float16 bits', moved, permuteRef(ref([2, 3], bits), [1, 0]).data, 'float16');
  c.close('float16 dtype kept', moved, permuteRef(ref([2, 3], bits.map(float16ValueRef)), [1, 0]), 'float16', { atol: 0, rtol: 0 });
});

addCase('views', 'reshape, permute, expand and slice (with negative indices) read the right elements', (c) => {
  const x = c.make.random([2, 3, 4]);
  c.close('reshape', reshape(x.t, [4, -1]), ref([4, 6], x.r.data), 'float64');
  c.close('reshape of a permuted view', reshape(permute(x.t, [1, 0, 2]), [6, 4]), ref([6, 4], permuteRef(x.r, [1, 0, 2]).data), 'float64');
  c.close('slice with negative starts', slice(x.t, [-1, 1], [undefined, -1]), sliceRef(x.r, [1, 1, 0], [2, 2, 4]), 'float64');
  const col = c.make.random([3, 1]);
  c.close('expand', expand(col.t, [2, 3, 5]), expandRef(col.r, [2, 3, 5]), 'float64');
});

export function forwardCases(): readonly SuiteCase[] {
  return cases;
}
