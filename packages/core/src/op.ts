import type { Device } from './device.js';
import type { DType } from './dtype.js';
import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';

/**
 * An op: a name, shape/dtype inference (which is also the op's one validation point), a gradient
 * formula written once for every device, and optionally a forward computed by core itself (views and
 * transfers need no kernel). Kernels per device live in the kernel registry, keyed by the OpDef object.
 */
export interface OutputSpec {
  readonly shape: Shape;
  readonly dtype: DType;
}

export interface GradContext<A> {
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  /** Upstream gradient of each output; null where nothing flowed back. */
  readonly grads: readonly (Tensor | null)[];
  readonly attrs: A;
}

/** Gradient of each input, in input order; null for inputs that take none (indices, masks). */
export type GradFn<A> = (ctx: GradContext<A>) => readonly (Tensor | null)[];

export interface OpDef<A = Record<string, never>> {
  readonly name: string;
  /** 'forward' ops are what users call; 'backward' ops are the named kernels gradients call. */
  readonly role: 'forward' | 'backward';
  /** Validates inputs and attrs, returns the outputs' shapes and dtypes. */
  readonly infer: (inputs: readonly Tensor[], attrs: A) => readonly OutputSpec[];
  /** Absent for ops without a gradient; those must say `differentiable: false`. */
  readonly grad?: GradFn<A>;
  readonly differentiable: boolean;
  /** Backward ops the gradient calls, so that completeness checks can demand their kernels. */
  readonly backwardOps: readonly AnyOpDef[];
  /** Present for ops core computes itself on any device (views, transfers): no kernel needed. */
  readonly forward?: (inputs: readonly Tensor[], attrs: A) => Tensor[];
  /** Which input positions may be absent (e.g. an optional bias). */
  readonly minInputs: number;
}

/** Any op, whatever its attribute type (attrs sit in contravariant positions, so `never` admits all). */
export type AnyOpDef = OpDef<never>;

export interface OpOptions<A> {
  readonly name: string;
  readonly role?: 'forward' | 'backward';
  readonly infer: (inputs: readonly Tensor[], attrs: A) => readonly OutputSpec[];
  /**
   * The gradient formula, or 'deferred' when it needs ops whose own gradients need this op (Expand's
   * gradient is a Sum and Sum's an Expand): a gradients module that imports both then calls `defineGrad`,
   * so the op modules import each other in one direction only.
   */
  readonly grad?: GradFn<A> | 'deferred';
  /** Set false to declare, rather than forget, that an op has no gradient. */
  readonly differentiable?: boolean;
  readonly backwardOps?: readonly AnyOpDef[];
  readonly forward?: (inputs: readonly Tensor[], attrs: A) => Tensor[];
  readonly minInputs?: number;
}

const opsByName = new Map<string, AnyOpDef>();
const deferredGrads = new Map<AnyOpDef, GradFn<never>>();

export function defineOp<A = Record<string, never>>(options: OpOptions<A>): OpDef<A> {
  if (opsByName.has(options.name)) {
    throw new Error(`an op named '${options.name}' is already defined: op names are unique across packages`);
  }
  const differentiable = options.differentiable ?? options.grad !== undefined;
  if (differentiable && !options.grad) {
    throw new Error(`op '${options.name}' is declared differentiable but has no grad formula`);
  }
  if (!options.grad && options.differentiable !== false) {
    throw new Error(`op '${options.name}' has no grad formula: give it one, or declare \`differentiable: false\` ` +
      `so that the missing gradient is a decision, not an omission`);
  }
  const grad: GradFn<A> | undefined = options.grad === 'deferred'
    ? (ctx) => deferredGradOf(op)(ctx)
    : options.grad;
  const op: OpDef<A> = {
    name: options.name,
    role: options.role ?? 'forward',
    infer: options.infer,
    grad,
    differentiable,
    backwardOps: options.backwardOps ?? [],
    forward: options.forward,
    minInputs: options.minInputs ?? Number.POSITIVE_INFINITY,
  };
  opsByName.set(op.name, op);
  if (options.grad === 'deferred') deferredOps.add(op as unknown as AnyOpDef);
  return op;
}

/** Supplies the gradient of an op defined with `grad: 'deferred'`. */
export function defineGrad<A>(op: OpDef<A>, grad: GradFn<A>): void {
  if (deferredGrads.has(op as unknown as AnyOpDef)) throw new Error(`the gradient of op '${op.name}' is already defined`);
  deferredGrads.set(op as unknown as AnyOpDef, grad as unknown as GradFn<never>);
}

/** Whether an op's gradient can be called: inline, or deferred and since defined. */
export function hasGrad(op: AnyOpDef): boolean {
  return op.grad !== undefined && (!isDeferred(op) || deferredGrads.has(op));
}

const deferredOps = new WeakSet<AnyOpDef>();
function isDeferred(op: AnyOpDef): boolean {
  return deferredOps.has(op);
}

function deferredGradOf<A>(op: OpDef<A>): GradFn<A> {
  const grad = deferredGrads.get(op as unknown as AnyOpDef);
  if (!grad) throw new Error(`op '${op.name}' deferred its gradient, but no module called defineGrad for it: import it through '@mta/core'`);
  return grad as unknown as GradFn<A>;
}

export function findOp(name: string): AnyOpDef | undefined {
  return opsByName.get(name);
}

export function listOps(): AnyOpDef[] {
  return [...opsByName.values()];
}

/** Names a device in messages about an op; here so kernels and dispatch say it the same way. */
export function opOnDevice(op: AnyOpDef, device: Device | string): string {
  return `op '${op.name}' on device '${typeof device === 'string' ? device : device.name}'`;
}
