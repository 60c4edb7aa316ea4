import type { AnyOpDef } from '../op.js';
import type { Tensor } from '../tensor.js';
import type { OpTracer } from '../trace.js';
import type { DynamicShapes } from './lowering.js';
import type { RuntimeDims } from './runtime-dims.js';

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
export function dynamicShapes(mine: OpShapes, other: OpShapes | undefined, dims: RuntimeDims): DynamicShapes {
  const theirs = other?.op === mine.op ? other : undefined;
  return {
    inputs: differ(mine.inputs, theirs?.inputs),
    outputs: differ(mine.outputs, theirs?.outputs),
    outputSize: (index, axis) => {
      const there = theirs?.outputs[index];
      return there?.length === mine.outputs[index]?.length ? dims.sizeOf(mine.outputs[index]![axis]!, there![axis]) : null;
    },
  };
}
