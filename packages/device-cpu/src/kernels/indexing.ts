import { IndexAdd, IndexSelect, registerKernel, type IndexAddAttrs, type IndexAttrs, type KernelArgs, type Tensor, hostData } from '@mta/core';
import { spanSize } from '../layout.js';
import { requireDtype } from '../data.js';
import { copyRunFor } from '../copy.js';

/**
 * IndexSelect gathers whole slices along one axis; IndexAdd (its gradient) scatter-adds them back, so
 * repeated indices accumulate. Indices are checked before anything is read or written.
 */
function checkIndices(what: string, indices: Tensor, axis: number, size: number, source: string): void {
  const I = hostData(indices), base = indices.offset, n = indices.size;
  for (let t = 0; t < n; t++) {
    const v = I[base + t];
    if (v < 0 || v >= size) {
      throw new RangeError(`${what}: index ${v} at position ${t} of the indices is out of range for axis ${axis} of ${source}, ` +
        `which has size ${size}; indices must lie in [0, ${size - 1}]`);
    }
  }
}

function indexSelectKernel({ inputs: [x, indices], outputs: [out], attrs: { axis } }: KernelArgs<IndexAttrs>): void {
  const size = x.shape[axis];
  checkIndices('indexSelect', indices, axis, size, x.describe());
  const outer = spanSize(x.shape, 0, axis), inner = spanSize(x.shape, axis + 1), count = indices.size;
  const X = hostData(x), I = hostData(indices), O = hostData(out);
  const copy = copyRunFor(O);
  let oi = 0;
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < count; t++) {
      copy(X, x.offset + (o * size + I[indices.offset + t]) * inner, O, oi, inner);
      oi += inner;
    }
  }
}

function indexAddKernel({ inputs: [g, indices], outputs: [out], attrs: { axis, inputShape } }: KernelArgs<IndexAddAttrs>): void {
  requireDtype('indexAdd', g, ['float32', 'float64', 'int32']);
  const size = inputShape[axis];
  checkIndices('indexAdd', indices, axis, size, `the target shape [${inputShape.join(', ')}]`);
  const outer = spanSize(inputShape, 0, axis), inner = spanSize(inputShape, axis + 1), count = indices.size;
  const G = hostData(g), I = hostData(indices), O = hostData(out);
  O.fill(0);
  let gi = g.offset;
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < count; t++) {
      const dst = (o * size + I[indices.offset + t]) * inner;
      for (let j = 0; j < inner; j++) O[dst + j] += G[gi + j];
      gi += inner;
    }
  }
}

export function registerIndexingKernels(): (() => void)[] {
  return [registerKernel(IndexSelect, 'cpu', indexSelectKernel), registerKernel(IndexAdd, 'cpu', indexAddKernel)];
}
