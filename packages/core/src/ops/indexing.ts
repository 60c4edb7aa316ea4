import { defineOp } from '../op.js';
import { runOp1 } from '../dispatch.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';

/**
 * indexSelect(x, indices, axis): picks whole slices of `x` along `axis` (embedding lookup is axis 0).
 * Out-of-range indices are a kernel-checked error, never a silent read. Its gradient scatters back with
 * the named backward op IndexAdd.
 */
export interface IndexAttrs { readonly axis: number }
export interface IndexAddAttrs extends IndexAttrs { readonly inputShape: readonly number[] }

export const IndexAdd = defineOp<IndexAddAttrs>({
  name: 'IndexAdd',
  role: 'backward',
  differentiable: false,
  infer: ([g], { inputShape }) => [{ shape: inputShape, dtype: g!.dtype }],
});

export const IndexSelect = defineOp<IndexAttrs>({
  name: 'IndexSelect',
  infer: ([x, idx], { axis }) => {
    if (idx!.dtype !== 'int32') throw new Error(`indexSelect: indices must be int32, got ${idx!.describe()}`);
    const shape = [...x!.shape.slice(0, axis), ...idx!.shape, ...x!.shape.slice(axis + 1)];
    return [{ shape, dtype: x!.dtype }];
  },
  backwardOps: [IndexAdd],
  grad: ({ inputs: [x, idx], grads: [g], attrs }) => [runOp1(IndexAdd, [g!, idx!], { ...attrs, inputShape: x!.shape }), null],
});

export function indexSelect(x: Tensor, indices: Tensor, axis = 0): Tensor {
  return runOp1(IndexSelect, [x, indices], { axis: normalizeAxis(axis, x.ndim) });
}
