import { defineOp } from '../op.js';
import { runOp1 } from '../dispatch.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { slice } from './views.js';

export interface ConcatAttrs { readonly axis: number }

export const Concat = defineOp<ConcatAttrs>({
  name: 'Concat',
  minInputs: 1,
  infer: (xs, { axis }) => {
    const first = xs[0]!;
    xs.forEach((x, i) => {
      const ok = x.ndim === first.ndim && x.dtype === first.dtype && x.shape.every((d, k) => k === axis || d === first.shape[k]);
      if (!ok) {
        throw new Error(`concat: input ${i} ${x.describe()} does not match input 0 ${first.describe()} outside axis ${axis}`);
      }
    });
    const shape = [...first.shape];
    shape[axis] = xs.reduce((n, x) => n + x.shape[axis]!, 0);
    return [{ shape, dtype: first.dtype }];
  },
  grad: ({ inputs, grads: [g], attrs }) => {
    let start = 0;
    return inputs.map((x) => {
      const starts = x.shape.map((_, k) => (k === attrs.axis ? start : 0));
      const ends = x.shape.map((d, k) => (k === attrs.axis ? start + d : d));
      start += x.shape[attrs.axis]!;
      return slice(g!, starts, ends);
    });
  },
});

export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error('concat: needs at least one tensor');
  if (xs.length === 1) return xs[0]!;
  return runOp1(Concat, xs, { axis: normalizeAxis(axis, xs[0]!.ndim) });
}
