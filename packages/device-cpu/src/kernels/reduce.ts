import { Max, Sum, registerKernel, type KernelArgs, type ReduceAttrs, hostData } from '@mta/core';
import type { Data } from '../data.js';
import { specializeByArray } from '../specialize.js';

/**
 * Sum and Max over any sorted set of axes of a contiguous input. Size-1 dims are dropped and runs of
 * neighbouring reduced (or kept) dims merged, so the input is read once, in order, as rows: when the last
 * run is reduced a row folds into one accumulator; when it is kept a row is added into an output row.
 * NaN propagates through max, as in NumPy and PyTorch.
 */
type Kind = 'sum' | 'max';

interface Groups {
  readonly dims: number[];
  readonly reduced: boolean[];
}

function groupAxes(shape: readonly number[], axes: readonly number[]): Groups {
  const dims: number[] = [];
  const reduced: boolean[] = [];
  shape.forEach((n, d) => {
    if (n === 1) return;
    const r = axes.includes(d);
    const last = dims.length - 1;
    if (last >= 0 && reduced[last] === r) dims[last] *= n;
    else { dims.push(n); reduced.push(r); }
  });
  if (dims.length === 0) { dims.push(1); reduced.push(true); }
  return { dims, reduced };
}

/**
 * The row loop (self-contained, specialised per element type): `dims`/`outStride` describe the outer
 * groups, `n` the last group, which is reduced when `lastReduced`.
 */
function reduceRows(kind: Kind, X: Data, xi: number, O: Data, dims: number[], outStride: number[], n: number, lastReduced: boolean): void {
  const outer = dims.length;
  let rows = 1;
  for (let d = 0; d < outer; d++) rows *= dims[d];
  const index = new Array<number>(outer).fill(0);
  let oi = 0;
  for (let r = 0; r < rows; r++, xi += n) {
    if (lastReduced) {
      if (kind === 'sum') {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += X[xi + j];
        O[oi] += acc;
      } else {
        let m = O[oi];
        for (let j = 0; j < n; j++) { const v = X[xi + j]; if (v > m || v !== v) m = v; }
        O[oi] = m;
      }
    } else if (kind === 'sum') {
      for (let j = 0; j < n; j++) O[oi + j] += X[xi + j];
    } else {
      for (let j = 0; j < n; j++) { const v = X[xi + j]; if (v > O[oi + j] || v !== v) O[oi + j] = v; }
    }
    for (let d = outer - 1; d >= 0; d--) {
      index[d]++;
      oi += outStride[d];
      if (index[d] < dims[d]) break;
      oi -= outStride[d] * dims[d];
      index[d] = 0;
    }
  }
}

const reduceRowsFor = specializeByArray(reduceRows);

function reduceKernel(kind: Kind) {
  return ({ inputs: [x], outputs: [out], attrs }: KernelArgs<ReduceAttrs>): void => {
    const X = hostData(x), O = hostData(out);
    O.fill(kind === 'sum' ? 0 : out.dtype === 'int32' ? -2147483648 : -Infinity);
    if (x.size === 0) return;
    const { dims, reduced } = groupAxes(x.shape, attrs.axes);
    const last = dims.length - 1;
    // Output strides per outer group: contiguous over kept groups, 0 over reduced ones.
    const outStride = new Array<number>(last).fill(0);
    let step = reduced[last] ? 1 : dims[last];
    for (let d = last - 1; d >= 0; d--) {
      if (!reduced[d]) { outStride[d] = step; step *= dims[d]; }
    }
    reduceRowsFor(X)(kind, X, x.offset, O, dims.slice(0, last), outStride, dims[last], reduced[last]);
  };
}

const sumKernel = reduceKernel('sum');
const maxKernel = reduceKernel('max');

export function registerReduceKernels(): (() => void)[] {
  return [registerKernel(Sum, 'cpu', sumKernel), registerKernel(Max, 'cpu', maxKernel)];
}
