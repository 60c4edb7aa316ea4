import { defineOp, type GradFn, type OpDef } from '../op.js';
import { runOp1 } from '../dispatch.js';
import { formatShape, tryBroadcastShapes } from '../shape.js';
import { isComputeFloat, isDType, type DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { full } from './creation.js';

/**
 * Elementwise ops with NumPy broadcasting. Each op is its own OpDef (so registries list them by name);
 * kernels receive inputs with their own shapes and broadcast themselves.
 */
export type BinaryKind = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';
export type CompareKind = 'equal' | 'notEqual' | 'less' | 'lessEqual' | 'greater' | 'greaterEqual';
export type UnaryKind = 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'tanh' | 'sigmoid' | 'relu' | 'sign';

export interface BinaryAttrs { readonly kind: BinaryKind }
export interface CompareAttrs { readonly kind: CompareKind }
export interface UnaryAttrs { readonly kind: UnaryKind }

function broadcastOrThrow(name: string, a: Tensor, b: Tensor): number[] {
  const shape = tryBroadcastShapes(a.shape, b.shape);
  if (!shape) {
    throw new Error(`${name}: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast ` +
      `(trailing dims must be equal or 1); reshape or expand one of them`);
  }
  return shape;
}

function sameDtypeOrThrow(name: string, a: Tensor, b: Tensor): DType {
  if (a.dtype !== b.dtype) {
    throw new Error(`${name}: dtypes differ: ${a.describe()} and ${b.describe()}; cast one with .cast('${a.dtype}')`);
  }
  return a.dtype;
}

function numericOrThrow(name: string, t: Tensor): void {
  if (t.dtype === 'bool' || t.dtype === 'float16' || t.dtype === 'bfloat16') {
    throw new Error(`${name}: ${t.describe()} has a dtype core does not compute on; cast it to float32 first`);
  }
}

function defineBinary(name: string): OpDef<BinaryAttrs> {
  return defineOp<BinaryAttrs>({
    name,
    infer: ([a, b]) => {
      numericOrThrow(name, a!);
      return [{ shape: broadcastOrThrow(name, a!, b!), dtype: sameDtypeOrThrow(name, a!, b!) }];
    },
    grad: 'deferred',
  });
}

// Their gradients sum broadcast dimensions back (a reduction, which itself needs elementwise ops): see gradients.ts.
export const Add = defineBinary('Add');
export const Sub = defineBinary('Sub');
export const Mul = defineBinary('Mul');
export const Div = defineBinary('Div');
export const Pow = defineBinary('Pow');
export const Maximum = defineBinary('Maximum');
export const Minimum = defineBinary('Minimum');

/** The upstream gradient where `take` holds, zero elsewhere. */
export const pickWhere = (take: Tensor, g: Tensor): Tensor => mul(g, cast(take, g.dtype));

export const BINARY_OPS: Readonly<Record<BinaryKind, OpDef<BinaryAttrs>>> = {
  add: Add, sub: Sub, mul: Mul, div: Div, pow: Pow, maximum: Maximum, minimum: Minimum,
};

function defineCompare(name: string): OpDef<CompareAttrs> {
  return defineOp<CompareAttrs>({
    name,
    differentiable: false,
    infer: ([a, b]) => [{ shape: broadcastOrThrow(name, a!, b!), dtype: (sameDtypeOrThrow(name, a!, b!), 'bool') }],
  });
}

export const Equal = defineCompare('Equal');
export const NotEqual = defineCompare('NotEqual');
export const Less = defineCompare('Less');
export const LessEqual = defineCompare('LessEqual');
export const Greater = defineCompare('Greater');
export const GreaterEqual = defineCompare('GreaterEqual');

export const COMPARE_OPS: Readonly<Record<CompareKind, OpDef<CompareAttrs>>> = {
  equal: Equal, notEqual: NotEqual, less: Less, lessEqual: LessEqual, greater: Greater, greaterEqual: GreaterEqual,
};

function defineUnary(name: string, grad?: GradFn<UnaryAttrs>): OpDef<UnaryAttrs> {
  return defineOp<UnaryAttrs>({
    name,
    infer: ([x]) => {
      numericOrThrow(name, x!);
      if (grad && !isComputeFloat(x!.dtype) && name !== 'Neg' && name !== 'Abs' && name !== 'Relu') {
        throw new Error(`${name}: needs a float tensor, got ${x!.describe()}; cast it with .cast('float32')`);
      }
      return [{ shape: x!.shape, dtype: x!.dtype }];
    },
    grad,
    differentiable: grad !== undefined,
  });
}

export const Neg = defineUnary('Neg', ({ grads: [g] }) => [neg(g!)]);
export const Exp = defineUnary('Exp', ({ outputs: [y], grads: [g] }) => [mul(g!, y!)]);
export const Log = defineUnary('Log', ({ inputs: [x], grads: [g] }) => [div(g!, x!)]);
export const Sqrt = defineUnary('Sqrt', ({ outputs: [y], grads: [g] }) => [div(g!, mul(y!, scalarLike(2, y!)))]);
export const Abs = defineUnary('Abs', ({ inputs: [x], grads: [g] }) => [mul(g!, sign(x!))]);
export const Tanh = defineUnary('Tanh', ({ outputs: [y], grads: [g] }) => [mul(g!, sub(scalarLike(1, y!), mul(y!, y!)))]);
export const Sigmoid = defineUnary('Sigmoid', ({ outputs: [y], grads: [g] }) => [mul(g!, mul(y!, sub(scalarLike(1, y!), y!)))]);
export const Relu = defineUnary('Relu', ({ inputs: [x], grads: [g] }) => [pickWhere(greater(x!, scalarLike(0, x!)), g!)]);
export const Sign = defineOp<UnaryAttrs>({ name: 'Sign', differentiable: false, infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }] });

export const UNARY_OPS: Readonly<Record<UnaryKind, OpDef<UnaryAttrs>>> = {
  neg: Neg, exp: Exp, log: Log, sqrt: Sqrt, abs: Abs, tanh: Tanh, sigmoid: Sigmoid, relu: Relu, sign: Sign,
};

export interface WhereAttrs { readonly _?: never }

/** where(cond, a, b): a where cond is true, else b; all three broadcast together. */
export const Where = defineOp<WhereAttrs>({
  name: 'Where',
  infer: ([c, a, b]) => {
    if (c!.dtype !== 'bool') throw new Error(`where: the condition must be bool, got ${c!.describe()}; build it with a comparison`);
    const ab = broadcastOrThrow('where', a!, b!);
    const shape = tryBroadcastShapes(c!.shape, ab);
    if (!shape) throw new Error(`where: condition ${formatShape(c!.shape)} does not broadcast with ${formatShape(ab)}`);
    return [{ shape, dtype: sameDtypeOrThrow('where', a!, b!) }];
  },
  grad: 'deferred', // sums broadcast dimensions back: see gradients.ts
});

export interface CastAttrs { readonly dtype: DType }

export const Cast = defineOp<CastAttrs>({
  name: 'Cast',
  infer: ([x], { dtype }) => {
    if (!isDType(dtype)) throw new Error(`cast: unknown dtype '${String(dtype)}'`);
    return [{ shape: x!.shape, dtype }];
  },
  grad: ({ inputs: [x], grads: [g] }) => [cast(g!, x!.dtype)],
});

// ---- user-facing functions ----

const asTensor = (v: Tensor | number, like: Tensor): Tensor => (typeof v === 'number' ? scalarLike(v, like) : v);

/** A 0-d tensor with `like`'s dtype and device. */
export function scalarLike(value: number, like: Tensor): Tensor {
  return full([], value, { dtype: like.dtype, device: like.device });
}

const binary = (op: OpDef<BinaryAttrs>, kind: BinaryKind) => (a: Tensor | number, b: Tensor | number): Tensor => {
  const ta = typeof a === 'number' ? asTensor(a, b as Tensor) : a;
  return runOp1(op, [ta, asTensor(b, ta)], { kind });
};
export const add = binary(Add, 'add');
export const sub = binary(Sub, 'sub');
export const mul = binary(Mul, 'mul');
export const div = binary(Div, 'div');
export const pow = binary(Pow, 'pow');
export const maximum = binary(Maximum, 'maximum');
export const minimum = binary(Minimum, 'minimum');

const compare = (op: OpDef<CompareAttrs>, kind: CompareKind) => (a: Tensor | number, b: Tensor | number): Tensor => {
  const ta = typeof a === 'number' ? asTensor(a, b as Tensor) : a;
  return runOp1(op, [ta, asTensor(b, ta)], { kind });
};
export const equal = compare(Equal, 'equal');
export const notEqual = compare(NotEqual, 'notEqual');
export const less = compare(Less, 'less');
export const lessEqual = compare(LessEqual, 'lessEqual');
export const greater = compare(Greater, 'greater');
export const greaterEqual = compare(GreaterEqual, 'greaterEqual');

const unary = (op: OpDef<UnaryAttrs>, kind: UnaryKind) => (x: Tensor): Tensor => runOp1(op, [x], { kind });
export const neg = unary(Neg, 'neg');
export const exp = unary(Exp, 'exp');
export const log = unary(Log, 'log');
export const sqrt = unary(Sqrt, 'sqrt');
export const abs = unary(Abs, 'abs');
export const tanh = unary(Tanh, 'tanh');
export const sigmoid = unary(Sigmoid, 'sigmoid');
export const relu = unary(Relu, 'relu');
export const sign = unary(Sign, 'sign');

export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  const like = typeof a === 'number' ? (typeof b === 'number' ? null : b) : a;
  if (!like) throw new Error('where: at least one of a and b must be a tensor');
  return runOp1(Where, [cond, asTensor(a, like), asTensor(b, like)], {});
}

export function cast(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : runOp1(Cast, [x], { dtype });
}

export const square = (x: Tensor): Tensor => mul(x, x);
