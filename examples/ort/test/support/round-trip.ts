import { exportOnnx, noGrad, tidy, type ExportOptions, type ExportedModel, type Tensor } from '@mta/core';
import { runOrtNodeTyped, typedValueOf, type TypedValue } from './ort-typed';

/**
 * One export round trip: the function on the cpu device (the reference), the same function traced
 * by exportOnnx, and the exported model run in onnxruntime-node on the same inputs.
 */
export interface RoundTrip {
  readonly exported: ExportedModel;
  /** The cpu device's outputs, in the function's output order. */
  readonly cpu: readonly TypedValue[];
  /** ONNX Runtime's outputs, in the model's output order (the same order). */
  readonly ort: readonly TypedValue[];
}

type Fn = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

export async function roundTrip(fn: Fn, inputs: readonly Tensor[], options: ExportOptions = {}): Promise<RoundTrip> {
  const cpu = noGrad(() => tidy(() => {
    const result = fn(...inputs);
    return (Array.isArray(result) ? (result as readonly Tensor[]) : [result as Tensor]).map(typedValueOf);
  }));
  const exported = exportOnnx(fn, inputs, options);
  const feeds: Record<string, TypedValue> = {};
  exported.inputNames.forEach((name, i) => { feeds[name] = typedValueOf(inputs[i]!); });
  const ort = await runOrtNodeTyped(exported.bytes, feeds);
  return { exported, cpu, ort };
}
