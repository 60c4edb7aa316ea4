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
  readonly grad?: GradFn<A>;
  /** Set false to declare, rather than forget, that an op has no gradient. */
  readonly differentiable?: boolean;
  readonly backwardOps?: readonly AnyOpDef[];
  readonly forward?: (inputs: readonly Tensor[], attrs: A) => Tensor[];
  readonly minInputs?: number;
}

const opsByName = new Map<string, AnyOpDef>();

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
  const op: OpDef<A> = {
    name: options.name,
    role: options.role ?? 'forward',
    infer: options.infer,
    grad: options.grad,
    differentiable,
    backwardOps: options.backwardOps ?? [],
    forward: options.forward,
    minInputs: options.minInputs ?? Number.POSITIVE_INFINITY,
  };
  opsByName.set(op.name, op);
  return op;
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
