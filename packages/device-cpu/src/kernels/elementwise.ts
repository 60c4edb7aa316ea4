import {
  BINARY_OPS, COMPARE_OPS, UNARY_OPS, Where, registerKernel,
  type BinaryAttrs, type BinaryKind, type CompareAttrs, type CompareKind, type KernelArgs, type UnaryAttrs, type UnaryKind, type WhereAttrs, hostData } from '@mta/core';
import { planBroadcast } from '../layout.js';
import { decodeHalf, encodeHalf, isHalf, type Data } from '../data.js';
import { specializeByArray } from '../specialize.js';

/**
 * Binary, comparison, unary and where kernels. Broadcasting is planned once per call into rows with a
 * fixed stride per operand (stride 0 = broadcast); same-shape and scalar operands collapse to one row.
 * Each kind has its own tight loop; the switch runs once per row. Loop functions are self-contained so
 * that each element type gets its own monomorphic copy (see specialize.ts).
 */

function binaryRow(kind: BinaryKind, a: Data, ai: number, as: number, b: Data, bi: number, bs: number, o: Data, oi: number, n: number): void {
  const end = oi + n;
  switch (kind) {
    case 'add': for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai] + b[bi]; return;
    case 'sub': for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai] - b[bi]; return;
    case 'mul': for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai] * b[bi]; return;
    case 'div': for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai] / b[bi]; return;
    case 'pow': for (; oi < end; oi++, ai += as, bi += bs) o[oi] = Math.pow(a[ai], b[bi]); return;
    case 'maximum': for (; oi < end; oi++, ai += as, bi += bs) o[oi] = Math.max(a[ai], b[bi]); return;
    case 'minimum': for (; oi < end; oi++, ai += as, bi += bs) o[oi] = Math.min(a[ai], b[bi]); return;
  }
}

function compareRow(kind: CompareKind, a: Data, ai: number, as: number, b: Data, bi: number, bs: number, o: Data, oi: number, n: number): void {
  const end = oi + n;
  switch (kind) {
    case 'equal': for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai] === b[bi] ? 1 : 0; return;
    case 'notEqual': for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai] !== b[bi] ? 1 : 0; return;
    case 'less': for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai] < b[bi] ? 1 : 0; return;
    case 'lessEqual': for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai] <= b[bi] ? 1 : 0; return;
    case 'greater': for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai] > b[bi] ? 1 : 0; return;
    case 'greaterEqual': for (; oi < end; oi++, ai += as, bi += bs) o[oi] = a[ai] >= b[bi] ? 1 : 0; return;
  }
}

function unaryLoop(kind: UnaryKind, x: Data, xi: number, o: Data, n: number): void {
  switch (kind) {
    case 'neg': for (let i = 0; i < n; i++) o[i] = -x[xi + i]; return;
    case 'exp': for (let i = 0; i < n; i++) o[i] = Math.exp(x[xi + i]); return;
    case 'log': for (let i = 0; i < n; i++) o[i] = Math.log(x[xi + i]); return;
    case 'sqrt': for (let i = 0; i < n; i++) o[i] = Math.sqrt(x[xi + i]); return;
    case 'abs': for (let i = 0; i < n; i++) o[i] = Math.abs(x[xi + i]); return;
    case 'tanh': for (let i = 0; i < n; i++) o[i] = Math.tanh(x[xi + i]); return;
    case 'sigmoid': for (let i = 0; i < n; i++) o[i] = 1 / (1 + Math.exp(-x[xi + i])); return;
    // NaN passes through relu (as in PyTorch) rather than silently becoming 0.
    case 'relu': for (let i = 0; i < n; i++) { const v = x[xi + i]; o[i] = v > 0 || v !== v ? v : 0; } return;
    case 'sign': for (let i = 0; i < n; i++) o[i] = Math.sign(x[xi + i]); return;
  }
}

function binaryKernel(kind: BinaryKind) {
  return ({ inputs: [a, b], outputs: [out] }: KernelArgs<BinaryAttrs>): void => {
    const plan = planBroadcast(out.shape, [a.shape, b.shape]);
    const [, aStarts, bStarts] = plan.rowStarts as [Int32Array, Int32Array, Int32Array];
    const [, as, bs] = plan.innerStrides as [number, number, number];
    const A = hostData(a), B = hostData(b), O = hostData(out);
    const ao = a.offset, bo = b.offset, inner = plan.inner;
    const row = binaryRowFor(O);
    for (let r = 0; r < plan.rows; r++) row(kind, A, ao + aStarts[r], as, B, bo + bStarts[r], bs, O, r * inner, inner);
  };
}

function compareKernel(kind: CompareKind) {
  return ({ inputs: [a, b], outputs: [out] }: KernelArgs<CompareAttrs>): void => {
    const plan = planBroadcast(out.shape, [a.shape, b.shape]);
    const [, aStarts, bStarts] = plan.rowStarts as [Int32Array, Int32Array, Int32Array];
    const [, as, bs] = plan.innerStrides as [number, number, number];
    // Half-precision bit patterns do not order like their values: compare decoded copies.
    const half = isHalf(a.dtype);
    const A = half ? decodeHalf(a) : hostData(a), B = half ? decodeHalf(b) : hostData(b);
    const ao = half ? 0 : a.offset, bo = half ? 0 : b.offset;
    const O = hostData(out), inner = plan.inner;
    const row = compareRowFor(A);
    for (let r = 0; r < plan.rows; r++) row(kind, A, ao + aStarts[r], as, B, bo + bStarts[r], bs, O, r * inner, inner);
  };
}

function unaryKernel(kind: UnaryKind) {
  return ({ inputs: [x], outputs: [out] }: KernelArgs<UnaryAttrs>): void => {
    if (isHalf(x.dtype)) {
      const values = decodeHalf(x);
      unaryLoopFor(values)(kind, values, 0, values, values.length);
      encodeHalf(values, out);
      return;
    }
    unaryLoopFor(hostData(x))(kind, hostData(x), x.offset, hostData(out), out.size);
  };
}

/** Copies a or b per element; a raw storage copy, so it works for every dtype including half types. */
function whereRow(C: Data, ci: number, cs: number, A: Data, ai: number, as: number, B: Data, bi: number, bs: number, O: Data, oi: number, n: number): void {
  const end = oi + n;
  for (; oi < end; oi++, ci += cs, ai += as, bi += bs) O[oi] = C[ci] ? A[ai] : B[bi];
}

const binaryRowFor = specializeByArray(binaryRow);
const compareRowFor = specializeByArray(compareRow);
const unaryLoopFor = specializeByArray(unaryLoop);
const whereRowFor = specializeByArray(whereRow);

function whereKernel({ inputs: [c, a, b], outputs: [out] }: KernelArgs<WhereAttrs>): void {
  const plan = planBroadcast(out.shape, [c.shape, a.shape, b.shape]);
  const [, cStarts, aStarts, bStarts] = plan.rowStarts as [Int32Array, Int32Array, Int32Array, Int32Array];
  const [, cs, as, bs] = plan.innerStrides as [number, number, number, number];
  const C = hostData(c), A = hostData(a), B = hostData(b), O = hostData(out);
  const inner = plan.inner;
  const row = whereRowFor(O);
  for (let r = 0; r < plan.rows; r++) {
    row(C, c.offset + cStarts[r], cs, A, a.offset + aStarts[r], as, B, b.offset + bStarts[r], bs, O, r * inner, inner);
  }
}

// Built once, so that registering twice hands the registry the same functions (a no-op, not an error).
const binaryKernels = Object.fromEntries(Object.keys(BINARY_OPS).map((k) => [k, binaryKernel(k as BinaryKind)])) as Record<BinaryKind, ReturnType<typeof binaryKernel>>;
const compareKernels = Object.fromEntries(Object.keys(COMPARE_OPS).map((k) => [k, compareKernel(k as CompareKind)])) as Record<CompareKind, ReturnType<typeof compareKernel>>;
const unaryKernels = Object.fromEntries(Object.keys(UNARY_OPS).map((k) => [k, unaryKernel(k as UnaryKind)])) as Record<UnaryKind, ReturnType<typeof unaryKernel>>;

export function registerElementwiseKernels(): (() => void)[] {
  return [
    ...(Object.keys(BINARY_OPS) as BinaryKind[]).map((k) => registerKernel(BINARY_OPS[k], 'cpu', binaryKernels[k])),
    ...(Object.keys(COMPARE_OPS) as CompareKind[]).map((k) => registerKernel(COMPARE_OPS[k], 'cpu', compareKernels[k])),
    ...(Object.keys(UNARY_OPS) as UnaryKind[]).map((k) => registerKernel(UNARY_OPS[k], 'cpu', unaryKernels[k])),
    registerKernel(Where, 'cpu', whereKernel),
  ];
}
