import type { AnyOpDef } from './op.js';
import type { Tensor } from './tensor.js';

/**
 * The tape. A node is recorded per differentiable op call whose inputs need gradients; outputs point
 * back to it through `gradFn`; autograd.ts walks it backward. Grad mode lives here, apart from the backward
 * pass, so that dispatch can record without importing any op.
 */
export interface TapeNode {
  readonly op: AnyOpDef;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: unknown;
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

export function recordNode(op: AnyOpDef, inputs: readonly Tensor[], attrs: unknown, outputs: readonly Tensor[]): void {
  const node: TapeNode = { op, inputs, outputs, attrs };
  for (const out of outputs) {
    out.requiresGrad = true;
    out.gradFn = node;
  }
}
