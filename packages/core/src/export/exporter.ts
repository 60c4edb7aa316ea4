import { writeFileSync } from 'node:fs';
import { OnnxGraphBuilder, type OnnxDim, type OnnxElemType } from '../onnx/index.js';
import { noGrad } from '../tape.js';
import { tidy } from '../scope.js';
import { withTracer, type OpTracer } from '../trace.js';
import type { AnyOpDef } from '../op.js';
import type { Tensor } from '../tensor.js';
import { findOnnxLowering } from './lowering.js';
import './primitives.js';

/**
 * Exports a computation to ONNX by tracing it: the function runs once on the example inputs (under
 * noGrad), every op it dispatches is lowered through the op's registered lowering, tensors the trace did
 * not produce become initializers (parameters under their module names). IR 8, opset 17, float32.
 */
export interface ExportOptions {
  readonly inputNames?: readonly string[];
  readonly outputNames?: readonly string[];
  /** Names for tensors that should become named initializers (a module's parameters). */
  readonly parameters?: ReadonlyMap<Tensor, string> | readonly [string, Tensor][];
  /** Leave axis 0 of every input and output dynamic ('batch'). Reshapes then keep axis 0 symbolic. */
  readonly dynamicBatch?: boolean;
  readonly graphName?: string;
  /** Also write the model to this path. */
  readonly file?: string;
}

export interface ExportedModel {
  readonly bytes: Uint8Array;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly nodeCount: number;
  /** Op names met during the trace, with their counts. */
  readonly ops: ReadonlyMap<string, number>;
}

type Forward = (...inputs: Tensor[]) => Tensor | readonly Tensor[];
interface ModuleLike {
  /**
   * Called with the example inputs only, so trailing optional parameters that are not tensors (e.g.
   * MultiTokenAttention's `impl`) keep their defaults; typed as such so those modules are accepted.
   */
  forward(...inputs: readonly [Tensor, ...unknown[]]): Tensor | readonly Tensor[];
  namedParameters?(): [string, Tensor][];
}

const ONNX_DTYPES: Readonly<Record<string, OnnxElemType>> = { float32: 'float32', int32: 'int32', bool: 'bool' };

export function onnxElemTypeOf(t: Tensor, what: string): OnnxElemType {
  const e = ONNX_DTYPES[t.dtype];
  if (!e) {
    throw new Error(`exportOnnx: ${what} ${t.describe()} has dtype ${t.dtype}; ONNX export supports float32, int32 and bool ` +
      `(ONNX Runtime's CPU kernels are float32): cast the model with .cast('float32') before exporting`);
  }
  return e;
}

class ExportTracer implements OpTracer {
  readonly names = new Map<Tensor, string>();
  readonly ops = new Map<string, number>();
  private readonly byStorage = new Map<unknown, string>();

  constructor(readonly g: OnnxGraphBuilder, private readonly paramNames: ReadonlyMap<Tensor, string>) {}

  valueOf(t: Tensor): string {
    const known = this.names.get(t);
    if (known !== undefined) return known;
    const elem = onnxElemTypeOf(t, 'a constant captured by the trace');
    const data = t.toArray();
    const name = this.paramNames.get(t);
    const value = elem === 'float32' ? { data: data as Float32Array, dims: [...t.shape] }
      : elem === 'int32' ? { data: data as Int32Array, dims: [...t.shape] }
      : { data: data as Uint8Array, dims: [...t.shape], elemType: 'bool' as const };
    const id = name !== undefined ? this.g.addInitializer(name, value) : this.g.constant(value, t.name ?? 'const');
    this.names.set(t, id);
    this.byStorage.set(t.storage, id);
    return id;
  }

  onOp(op: AnyOpDef, inputs: readonly Tensor[], attrs: unknown, outputs: readonly Tensor[]): void {
    this.ops.set(op.name, (this.ops.get(op.name) ?? 0) + 1);
    const lowering = findOnnxLowering(op);
    if (!lowering) {
      throw new Error(`exportOnnx: op '${op.name}' has no ONNX lowering; register one with registerOnnxLowering(${op.name}, ...) ` +
        `or express the computation with ops that have one`);
    }
    outputs.forEach((t, i) => onnxElemTypeOf(t, `output ${i} of op '${op.name}'`));
    const names = this.g.scope(op.name, () => lowering({
      g: this.g, inputs: inputs.map((t) => this.valueOf(t)), inputTensors: inputs, outputTensors: outputs, attrs: attrs as never,
    }));
    outputs.forEach((t, i) => { if (names[i]) this.names.set(t, names[i]!); });
  }
}

export function exportOnnx(target: Forward | ModuleLike, exampleInputs: readonly Tensor[], options: ExportOptions = {}): ExportedModel {
  const forward: Forward = typeof target === 'function' ? target : (first, ...rest) => target.forward(first, ...rest);
  const params = new Map<Tensor, string>(options.parameters instanceof Map
    ? options.parameters
    : (options.parameters as readonly [string, Tensor][] | undefined ?? []).map(([n, t]) => [t, n] as const));
  if (typeof target !== 'function' && target.namedParameters) {
    for (const [n, t] of target.namedParameters()) if (!params.has(t)) params.set(t, n);
  }
  const g = new OnnxGraphBuilder({ graphName: options.graphName ?? 'mta_model', producerName: '@mta/core' });
  const tracer = new ExportTracer(g, params);
  const batchDim = (dims: readonly number[]): OnnxDim[] => dims.map((d, i) => (options.dynamicBatch && i === 0 ? 'batch' : d));
  const inputNames = exampleInputs.map((t, i) => {
    const name = options.inputNames?.[i] ?? t.name ?? `input_${i}`;
    g.addInput(name, batchDim(t.shape), onnxElemTypeOf(t, `input ${i}`));
    tracer.names.set(t, name);
    return name;
  });
  const outputNames = noGrad(() => tidy(() => {
    const result = withTracer(tracer, () => forward(...exampleInputs));
    const outs = Array.isArray(result) ? (result as readonly Tensor[]) : [result as Tensor];
    return outs.map((t, i) => {
      const value = tracer.valueOf(t);
      return g.addOutput(value, batchDim(t.shape), { name: options.outputNames?.[i] ?? `output_${i}`, elemType: onnxElemTypeOf(t, `output ${i}`) });
    });
  }));
  const bytes = g.encode();
  if (options.file) writeFileSync(options.file, bytes);
  return { bytes, inputNames, outputNames, nodeCount: g.nodeCount, ops: tracer.ops };
}
