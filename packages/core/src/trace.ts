import type { AnyOpDef } from './op.js';
import type { Tensor } from './tensor.js';

/** A listener that sees every op dispatched while it is active (the ONNX exporter is one). */
export interface OpTracer {
  onOp(op: AnyOpDef, inputs: readonly Tensor[], attrs: unknown, outputs: readonly Tensor[]): void;
}

let active: OpTracer | null = null;

export function activeTracer(): OpTracer | null {
  return active;
}

export function withTracer<T>(tracer: OpTracer, fn: () => T): T {
  const previous = active;
  active = tracer;
  try {
    return fn();
  } finally {
    active = previous;
  }
}
