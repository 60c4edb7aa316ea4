import { defineOp } from '../op.js';
import { runOp1 } from '../dispatch.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { slice } from './views.js';

/** Constant padding: `pads` holds [before, after] per axis, for every axis. */
export interface PadAttrs {
  readonly pads: readonly number[];
  readonly value: number;
}

export const Pad = defineOp<PadAttrs>({
  name: 'Pad',
  infer: ([x], { pads }) => {
    if (pads.length !== 2 * x!.ndim || pads.some((p) => !Number.isInteger(p) || p < 0)) {
      throw new Error(`pad: expected ${2 * x!.ndim} non-negative integers ([before, after] per axis) for ${x!.describe()}, got ${formatShape(pads)}`);
    }
    return [{ shape: x!.shape.map((d, i) => d + pads[2 * i]! + pads[2 * i + 1]!), dtype: x!.dtype }];
  },
  grad: ({ inputs: [x], grads: [g], attrs }) => [
    slice(g!, x!.shape.map((_, i) => attrs.pads[2 * i]!), x!.shape.map((d, i) => attrs.pads[2 * i]! + d)),
  ],
});

/** Pads with `value`. `pads` may cover only the leading axes' pairs, like slice's starts. */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  const full = [...pads];
  while (full.length < 2 * x.ndim) full.push(0);
  if (full.every((p) => p === 0)) return x;
  return runOp1(Pad, [x], { pads: full, value });
}
