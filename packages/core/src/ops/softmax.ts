import { defineOp } from '../op.js';
import { runOp1 } from '../dispatch.js';
import { normalizeAxis } from '../shape.js';
import { isComputeFloat } from '../dtype.js';
import type { Tensor } from '../tensor.js';

/** Softmax and log-softmax along one axis, each with a named backward op devices can fuse. */
export interface AxisAttrs { readonly axis: number }

function inferFloatSameShape(name: string) {
  return ([x]: readonly Tensor[]) => {
    if (!isComputeFloat(x!.dtype)) throw new Error(`${name}: needs a float32/float64 tensor, got ${x!.describe()}`);
    return [{ shape: x!.shape, dtype: x!.dtype }];
  };
}

/** dx = y * (g - sum(g * y)) along the axis; inputs (y, g). */
export const SoftmaxBackward = defineOp<AxisAttrs>({
  name: 'SoftmaxBackward', role: 'backward', differentiable: false, infer: inferFloatSameShape('softmaxBackward'),
});
/** dx = g - exp(y) * sum(g) along the axis; inputs (y = log-softmax output, g). */
export const LogSoftmaxBackward = defineOp<AxisAttrs>({
  name: 'LogSoftmaxBackward', role: 'backward', differentiable: false, infer: inferFloatSameShape('logSoftmaxBackward'),
});

export const Softmax = defineOp<AxisAttrs>({
  name: 'Softmax',
  infer: inferFloatSameShape('softmax'),
  backwardOps: [SoftmaxBackward],
  grad: ({ outputs: [y], grads: [g], attrs }) => [runOp1(SoftmaxBackward, [y!, g!], attrs)],
});

export const LogSoftmax = defineOp<AxisAttrs>({
  name: 'LogSoftmax',
  infer: inferFloatSameShape('logSoftmax'),
  backwardOps: [LogSoftmaxBackward],
  grad: ({ outputs: [y], grads: [g], attrs }) => [runOp1(LogSoftmaxBackward, [y!, g!], attrs)],
});

export function softmax(x: Tensor, axis = -1): Tensor {
  return runOp1(Softmax, [x], { axis: normalizeAxis(axis, x.ndim) });
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return runOp1(LogSoftmax, [x], { axis: normalizeAxis(axis, x.ndim) });
}
