import type { AnyOpDef } from '../op.js';
import type { Tensor } from '../tensor.js';
import type { OpTracer } from '../trace.js';
import type { DynamicAxisFlags } from './lowering.js';

/** The shapes one dispatched op saw, in trace order. */
export interface OpShapes {
  readonly op: string;
  readonly inputs: readonly (readonly number[])[];
  readonly outputs: readonly (readonly number[])[];
}

export function opShapesOf(op: AnyOpDef, inputs: readonly Tensor[], outputs: readonly Tensor[]): OpShapes {
  return { op: op.name, inputs: inputs.map((t) => [...t.shape]), outputs: outputs.map((t) => [...t.shape]) };
}

/** A tracer that only records shapes: the first pass at the probe sizes, which tells the lowering trace which axes move. */
export class ShapeRecorder implements OpTracer {
  readonly shapes: OpShapes[] = [];
  onOp(op: AnyOpDef, inputs: readonly Tensor[], _attrs: unknown, outputs: readonly Tensor[]): void {
    this.shapes.push(opShapesOf(op, inputs, outputs));
  }
}

const differ = (a: readonly (readonly number[])[], b: readonly (readonly number[])[] | undefined): boolean[][] =>
  a.map((shape, i) => shape.map((d, axis) => b?.[i]?.length === shape.length && b[i]![axis] !== d));

/**
 * An axis is dynamic where the same op (by position in the trace) saw another size in the other trace.
 * When the traces diverge (another op at that position) nothing is flagged: the graphs then differ and
 * the export fails on that difference anyway.
 */
export function dynamicFlags(mine: OpShapes, other: OpShapes | undefined): DynamicAxisFlags {
  const same = other?.op === mine.op;
  return { inputs: differ(mine.inputs, same ? other.inputs : undefined), outputs: differ(mine.outputs, same ? other.outputs : undefined) };
}
