import { LogSoftmax, LogSoftmaxBackward, Softmax, SoftmaxBackward, registerKernel, type AxisAttrs, type KernelArgs, type Tensor, hostData } from '@mta/core';
import { spanSize } from '../layout.js';
import type { Data } from '../data.js';
import { specializeByArray } from '../specialize.js';

/**
 * Softmax family along one axis, viewed as (outer, length, inner): a lane is `length` elements `inner`
 * apart (inner = 1 for the last axis, the common case, which makes lanes contiguous). Every lane
 * subtracts its max before exp, so large logits do not overflow; sums accumulate in float64.
 * Loop functions are self-contained, one copy per element type (see specialize.ts).
 */
function softmaxLanes(X: Data, xo: number, O: Data, outer: number, length: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const start = o * length * inner + j, end = start + length * inner;
      let m = -Infinity;
      for (let i = start; i < end; i += inner) { const v = X[xo + i]; if (v > m || v !== v) m = v; }
      let s = 0;
      for (let i = start; i < end; i += inner) { const e = Math.exp(X[xo + i] - m); O[i] = e; s += e; }
      const scale = 1 / s;
      for (let i = start; i < end; i += inner) O[i] *= scale;
    }
  }
}

function logSoftmaxLanes(X: Data, xo: number, O: Data, outer: number, length: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const start = o * length * inner + j, end = start + length * inner;
      let m = -Infinity;
      for (let i = start; i < end; i += inner) { const v = X[xo + i]; if (v > m || v !== v) m = v; }
      let s = 0;
      for (let i = start; i < end; i += inner) s += Math.exp(X[xo + i] - m);
      const logSum = m + Math.log(s);
      for (let i = start; i < end; i += inner) O[i] = X[xo + i] - logSum;
    }
  }
}

/** dx = y * (g - sum(g * y)). */
function softmaxBackwardLanes(Y: Data, yo: number, G: Data, go: number, O: Data, outer: number, length: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const start = o * length * inner + j, end = start + length * inner;
      let dot = 0;
      for (let i = start; i < end; i += inner) dot += G[go + i] * Y[yo + i];
      for (let i = start; i < end; i += inner) O[i] = Y[yo + i] * (G[go + i] - dot);
    }
  }
}

/** dx = g - exp(y) * sum(g), with y the log-softmax output. */
function logSoftmaxBackwardLanes(Y: Data, yo: number, G: Data, go: number, O: Data, outer: number, length: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const start = o * length * inner + j, end = start + length * inner;
      let total = 0;
      for (let i = start; i < end; i += inner) total += G[go + i];
      for (let i = start; i < end; i += inner) O[i] = G[go + i] - Math.exp(Y[yo + i]) * total;
    }
  }
}

const softmaxFor = specializeByArray(softmaxLanes);
const logSoftmaxFor = specializeByArray(logSoftmaxLanes);
const softmaxBackwardFor = specializeByArray(softmaxBackwardLanes);
const logSoftmaxBackwardFor = specializeByArray(logSoftmaxBackwardLanes);

function lanes(x: Tensor, axis: number): [outer: number, length: number, inner: number] {
  return [spanSize(x.shape, 0, axis), x.shape[axis], spanSize(x.shape, axis + 1)];
}

function softmaxKernel({ inputs: [x], outputs: [out], attrs }: KernelArgs<AxisAttrs>): void {
  const O = hostData(out);
  softmaxFor(O)(hostData(x), x.offset, O, ...lanes(x, attrs.axis));
}

function logSoftmaxKernel({ inputs: [x], outputs: [out], attrs }: KernelArgs<AxisAttrs>): void {
  const O = hostData(out);
  logSoftmaxFor(O)(hostData(x), x.offset, O, ...lanes(x, attrs.axis));
}

function softmaxBackwardKernel({ inputs: [y, g], outputs: [out], attrs }: KernelArgs<AxisAttrs>): void {
  const O = hostData(out);
  softmaxBackwardFor(O)(hostData(y), y.offset, hostData(g), g.offset, O, ...lanes(y, attrs.axis));
}

function logSoftmaxBackwardKernel({ inputs: [y, g], outputs: [out], attrs }: KernelArgs<AxisAttrs>): void {
  const O = hostData(out);
  logSoftmaxBackwardFor(O)(hostData(y), y.offset, hostData(g), g.offset, O, ...lanes(y, attrs.axis));
}

export function registerSoftmaxKernels(): (() => void)[] {
  return [
    registerKernel(Softmax, 'cpu', softmaxKernel),
    registerKernel(LogSoftmax, 'cpu', logSoftmaxKernel),
    registerKernel(SoftmaxBackward, 'cpu', softmaxBackwardKernel),
    registerKernel(LogSoftmaxBackward, 'cpu', logSoftmaxBackwardKernel),
  ];
}
