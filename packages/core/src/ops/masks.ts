import { defineOp, type OpDef } from '../op.js';
import { runOp1 } from '../dispatch.js';
import type { Tensor } from '../tensor.js';

/**
 * Band masks on the last two axes: triu keeps j - i >= k, tril keeps j - i <= k, the rest becomes
 * `fill` (0 by default; -1e9 makes a causal score mask). Masked positions are written, never read, so a
 * NaN there does not propagate.
 */
export interface BandAttrs {
  readonly upper: boolean;
  readonly k: number;
  readonly fill: number;
}

export const BandMask: OpDef<BandAttrs> = defineOp<BandAttrs>({
  name: 'BandMask',
  infer: ([x]) => {
    if (x!.ndim < 2) throw new Error(`triu/tril: needs at least 2 dims, got ${x!.describe()}`);
    return [{ shape: x!.shape, dtype: x!.dtype }];
  },
  // The gradient through a mask is the mask of the gradient, with zeros (not the fill) outside.
  grad: ({ grads: [g], attrs }) => [runOp1(BandMask, [g!], { ...attrs, fill: 0 })],
});

export function triu(x: Tensor, k = 0, fill = 0): Tensor {
  return runOp1(BandMask, [x], { upper: true, k, fill });
}

export function tril(x: Tensor, k = 0, fill = 0): Tensor {
  return runOp1(BandMask, [x], { upper: false, k, fill });
}
