import { defineOp } from '../op.js';
import { runOp1 } from '../dispatch.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { arange } from './creation.js';

export interface PositionsAttrs { readonly axis: number }

/**
 * positions(x, axis): the int32 positions 0 .. n-1 of x's axis (n = x.shape[axis]), e.g. the position
 * ids of a batch of tokens. An op, unlike arange(n), so the exporter sees where the length comes from:
 * the graph computes Range(0, Shape(x)[axis]), and a model that takes its positions from here exports
 * with a dynamic sequence length. Core computes it on x's device (no kernel); it has no gradient.
 */
export const Positions = defineOp<PositionsAttrs>({
  name: 'Positions',
  differentiable: false,
  infer: ([x], { axis }) => [{ shape: [x!.shape[axis]!], dtype: 'int32' }],
  forward: ([x], { axis }) => [arange(x!.shape[axis]!, { device: x!.device })],
});

export function positions(x: Tensor, axis: number): Tensor {
  return runOp1(Positions, [x], { axis: normalizeAxis(axis, x.ndim) });
}
