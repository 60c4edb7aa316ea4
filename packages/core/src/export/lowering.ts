import type { OnnxGraphBuilder } from '../onnx/index.js';
import type { AnyOpDef, OpDef } from '../op.js';
import type { Tensor } from '../tensor.js';

/**
 * ONNX lowerings, one per op, kept in a registry keyed by the OpDef (like kernels): a package that
 * defines an op registers its lowering next to it. An op without one fails at export, by name.
 */
export interface LoweringContext<A> {
  readonly g: OnnxGraphBuilder;
  /** Value names of the inputs, in op input order. */
  readonly inputs: readonly string[];
  readonly inputTensors: readonly Tensor[];
  readonly outputTensors: readonly Tensor[];
  readonly attrs: A;
  /**
   * Which axes of each input and output are dynamic (their size moves with a dynamic axis of the
   * model's inputs), found by comparing this op with the same op of a trace at other sizes. All false
   * without dynamic axes. Lowerings that write sizes (Reshape) compute the dynamic ones from Shape.
   */
  readonly dynamic: DynamicShapes;
}

export interface DynamicShapes {
  readonly inputs: readonly (readonly boolean[])[];
  readonly outputs: readonly (readonly boolean[])[];
  /**
   * An int64 [1] value holding the run-time size of output `index` on `axis`, read off the graph
   * inputs' shapes; null when the axis is static or its size is no dynamic axis (or product of two).
   */
  outputSize(index: number, axis: number): string | null;
}

/** Emits nodes and returns one value name per op output (outputs the graph never uses may be ''). */
export type OnnxLowering<A> = (ctx: LoweringContext<A>) => readonly string[];

const lowerings = new Map<AnyOpDef, OnnxLowering<never>>();

export function registerOnnxLowering<A>(op: OpDef<A>, lowering: OnnxLowering<A>): () => void {
  const key = op as unknown as AnyOpDef;
  const existing = lowerings.get(key);
  if (existing && existing !== (lowering as unknown as OnnxLowering<never>)) {
    throw new Error(`op '${op.name}' already has a different ONNX lowering registered`);
  }
  lowerings.set(key, lowering as unknown as OnnxLowering<never>);
  return () => { lowerings.delete(key); };
}

export function findOnnxLowering<A>(op: OpDef<A>): OnnxLowering<A> | undefined {
  return lowerings.get(op as unknown as AnyOpDef) as OnnxLowering<A> | undefined;
}
