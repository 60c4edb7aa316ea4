import { defineOp } from '../op.js';
import { runOp1 } from '../dispatch.js';
import { broadcastReductionAxes, normalizeAxes, reducedShape, shapesEqual, type Shape } from '../shape.js';
import { isComputeFloat } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { cast, div, equal, mul } from './elementwise.js';
import { expand, reshape } from './views.js';

/** Reductions over sorted, normalised axes. Kernels see `axes` already normalised. */
export interface ReduceAttrs {
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

function inferReduce(name: string) {
  return ([x]: readonly Tensor[], { axes, keepDims }: ReduceAttrs) => {
    if (!isComputeFloat(x!.dtype) && x!.dtype !== 'int32') {
      throw new Error(`${name}: cannot reduce ${x!.describe()}; cast it to float32 first`);
    }
    return [{ shape: reducedShape(x!.shape, axes, keepDims), dtype: x!.dtype }];
  };
}

/** The reduced gradient put back in the input's shape (size-1 dims restored, then broadcast). */
function restore(g: Tensor, input: Tensor, attrs: ReduceAttrs): Tensor {
  const kept: Shape = reducedShape(input.shape, attrs.axes, true);
  return expand(reshape(g, kept), input.shape);
}

export const Sum = defineOp<ReduceAttrs>({
  name: 'Sum',
  infer: inferReduce('sum'),
  grad: ({ inputs: [x], grads: [g], attrs }) => [restore(g!, x!, attrs)],
});

export const Max = defineOp<ReduceAttrs>({
  name: 'Max',
  infer: inferReduce('max'),
  // Ties share the gradient equally, as the subgradient that keeps sum(dx) = dy.
  grad: ({ inputs: [x], outputs: [y], grads: [g], attrs }) => {
    const hit = cast(equal(x!, restore(y!, x!, attrs)), x!.dtype);
    const count = restore(sum(hit, attrs.axes, attrs.keepDims), x!, attrs);
    return [div(mul(hit, restore(g!, x!, attrs)), count)];
  },
});

export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return runOp1(Sum, [x], { axes: normalizeAxes(axes, x.ndim), keepDims });
}

export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return runOp1(Max, [x], { axes: normalizeAxes(axes, x.ndim), keepDims });
}

export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const normalized = normalizeAxes(axes, x.ndim);
  const count = normalized.reduce((n, a) => n * x.shape[a]!, 1);
  return div(sum(x, normalized, keepDims), count);
}

/** Sums a broadcast gradient back down to the shape of the input that was broadcast. */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const axes = broadcastReductionAxes(g.shape, shape);
  return reshape(sum(g, axes, true), shape);
}
