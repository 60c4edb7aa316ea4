import { defineGrad } from '../op.js';
import type { Tensor } from '../tensor.js';
import {
  Where, where,
  Add, Div, Maximum, Minimum, Mul, Pow, Sub, div, greater, greaterEqual, less, lessEqual, log, mul, neg, pickWhere, pow, scalarLike, sub,
} from './elementwise.js';
import { pad } from './pad.js';
import { sumToShape } from './reduce.js';
import { Expand, Slice } from './views.js';

/**
 * The gradients that would close an import circle if written beside their ops: Expand's is a Sum and
 * Sum's an Expand; Slice's is a Pad and Pad's a Slice; a broadcasting binary op's sums back to its input's
 * shape. The op modules define these ops with `grad: 'deferred'`; this module, which imports them all,
 * supplies the formulas. Loaded by ops/index.ts.
 */
defineGrad(Expand, ({ inputs, grads }) => [sumToShape(grads[0]!, inputs[0]!.shape)]);

defineGrad(Slice, ({ inputs, grads, attrs }) => {
  const shape = inputs[0]!.shape;
  return [pad(grads[0]!, attrs.starts.flatMap((s, i) => [s, shape[i]! - attrs.ends[i]!]))];
});

const unbroadcast = (g: Tensor, like: Tensor): Tensor => sumToShape(g, like.shape);

defineGrad(Add, ({ inputs: [a, b], grads: [g] }) => [unbroadcast(g!, a!), unbroadcast(g!, b!)]);
defineGrad(Sub, ({ inputs: [a, b], grads: [g] }) => [unbroadcast(g!, a!), unbroadcast(neg(g!), b!)]);
defineGrad(Mul, ({ inputs: [a, b], grads: [g] }) => [
  a!.requiresGrad ? unbroadcast(mul(g!, b!), a!) : null,
  b!.requiresGrad ? unbroadcast(mul(g!, a!), b!) : null,
]);
defineGrad(Div, ({ inputs: [a, b], outputs: [y], grads: [g] }) => [
  a!.requiresGrad ? unbroadcast(div(g!, b!), a!) : null,
  b!.requiresGrad ? unbroadcast(neg(div(mul(g!, y!), b!)), b!) : null,
]);
defineGrad(Pow, ({ inputs: [a, b], outputs: [y], grads: [g] }) => [
  // d/da a^b = b a^(b-1); d/db a^b = a^b log a (only where a > 0; elsewhere the derivative is undefined)
  a!.requiresGrad ? unbroadcast(mul(g!, mul(b!, pow(a!, sub(b!, scalarLike(1, b!))))), a!) : null,
  b!.requiresGrad ? unbroadcast(mul(g!, mul(y!, log(a!))), b!) : null,
]);
defineGrad(Maximum, ({ inputs: [a, b], grads: [g] }) => [
  unbroadcast(pickWhere(greaterEqual(a!, b!), g!), a!),
  unbroadcast(pickWhere(less(a!, b!), g!), b!),
]);
defineGrad(Minimum, ({ inputs: [a, b], grads: [g] }) => [
  unbroadcast(pickWhere(lessEqual(a!, b!), g!), a!),
  unbroadcast(pickWhere(greater(a!, b!), g!), b!),
]);
defineGrad(Where, ({ inputs: [c, a, b], grads: [g] }) => {
  const zero = scalarLike(0, g!);
  return [null, unbroadcast(where(c!, g!, zero), a!), unbroadcast(where(c!, zero, g!), b!)];
});
