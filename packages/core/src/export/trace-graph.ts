import { toFloat16Bits } from '../half.js';
import { OnnxGraphBuilder, onnxAttr, type OnnxDim, type OnnxElemType } from '../onnx/index.js';
import { noGrad } from '../tape.js';
import { tidy } from '../scope.js';
import { withTracer, type OpTracer } from '../trace.js';
import type { AnyOpDef } from '../op.js';
import type { Tensor } from '../tensor.js';
import { findOnnxLowering } from './lowering.js';
import type { ExportPrecision } from './options.js';
import { ShapeRecorder, dynamicShapes, opShapesOf, type OpShapes } from './op-shapes.js';
import { RuntimeDims, type DimSource } from './runtime-dims.js';
import './primitives.js';

export type Forward = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

const ONNX_DTYPES: Readonly<Record<string, OnnxElemType>> = { float32: 'float32', int32: 'int32', bool: 'bool' };
const ONNX_FLOAT = 1;
const ONNX_FLOAT16 = 10;

export function onnxElemTypeOf(t: Tensor, what: string): OnnxElemType {
  const e = ONNX_DTYPES[t.dtype];
  if (!e) {
    throw new Error(`exportOnnx: ${what} ${t.describe()} has dtype ${t.dtype}; ONNX export supports float32, int32 and bool ` +
      "(ONNX Runtime's CPU kernels are float32; precision: 'float16' stores them as float16): cast the model with .cast('float32') before exporting");
  }
  return e;
}

function float16Bits(data: Float32Array): Uint16Array {
  return Uint16Array.from(data, (v) => toFloat16Bits(v));
}

class ExportTracer implements OpTracer {
  readonly names = new Map<Tensor, string>();
  readonly ops = new Map<string, number>();
  readonly shapes: OpShapes[] = [];

  constructor(
    readonly g: OnnxGraphBuilder,
    private readonly paramNames: ReadonlyMap<Tensor, string>,
    private readonly precision: ExportPrecision,
    private readonly otherShapes: readonly OpShapes[],
    private readonly dims: RuntimeDims,
  ) {}

  valueOf(t: Tensor): string {
    const known = this.names.get(t);
    if (known !== undefined) return known;
    const elem = onnxElemTypeOf(t, 'a constant captured by the trace');
    const data = t.toArray();
    const name = this.paramNames.get(t);
    let id: string;
    if (name !== undefined && elem === 'float32' && this.precision === 'float16') {
      // Parameters are stored in float16 and widened once; the compute stays float32 (ORT's CPU Conv is float only).
      const stored = this.g.addInitializer(name, { data: float16Bits(data as Float32Array), dims: [...t.shape], elemType: 'float16' });
      id = this.g.scope('float16', () => this.g.op('Cast', [stored], { to: onnxAttr.int(ONNX_FLOAT) }));
    } else {
      const value = elem === 'float32' ? { data: data as Float32Array, dims: [...t.shape] }
        : elem === 'int32' ? { data: data as Int32Array, dims: [...t.shape] }
        : { data: data as Uint8Array, dims: [...t.shape], elemType: 'bool' as const };
      id = name !== undefined ? this.g.addInitializer(name, value) : this.g.constant(value, t.name ?? 'const');
    }
    this.names.set(t, id);
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
    const shapes = opShapesOf(op, inputs, outputs);
    const dynamic = dynamicShapes(shapes, this.otherShapes[this.shapes.length], this.dims);
    this.shapes.push(shapes);
    const names = this.g.scope(op.name, () => lowering({
      g: this.g, inputs: inputs.map((t) => this.valueOf(t)), inputTensors: inputs, outputTensors: outputs, attrs: attrs as never, dynamic,
    }));
    outputs.forEach((t, i) => { if (names[i]) this.names.set(t, names[i]!); });
  }
}

export interface TraceInput {
  readonly tensor: Tensor;
  readonly name: string;
  readonly dims: readonly OnnxDim[];
}

export interface TraceSettings {
  readonly graphName: string;
  readonly parameters: ReadonlyMap<Tensor, string>;
  readonly precision: ExportPrecision;
}

/** Runs `forward` with only a ShapeRecorder listening: the op shapes at the probe sizes, no graph. */
export function recordShapes(forward: Forward, inputs: readonly Tensor[]): readonly OpShapes[] {
  const recorder = new ShapeRecorder();
  noGrad(() => tidy(() => { withTracer(recorder, () => forward(...inputs)); }));
  return recorder.shapes;
}

/** A traced graph whose outputs are not declared yet: their dims are known only after every trace ran. */
export interface TracedGraph {
  readonly g: OnnxGraphBuilder;
  readonly ops: ReadonlyMap<string, number>;
  /** Every op's shapes, for the other trace's dynamic-axis flags. */
  readonly shapes: readonly OpShapes[];
  readonly outputs: readonly { readonly value: string; readonly shape: readonly number[]; readonly elemType: OnnxElemType }[];
}

/**
 * Runs `forward` once on the inputs (under noGrad, inside tidy) with the exporter listening, and lowers
 * every op it dispatches. Tensors the trace did not produce become initializers. `other` holds the op
 * shapes of a trace at other sizes (none without dynamic axes; where they differ, an axis is dynamic)
 * and the graph input axes that carry the dynamic sizes, with their sizes here and there.
 */
export function traceGraph(forward: Forward, inputs: readonly TraceInput[], settings: TraceSettings,
  other: { readonly shapes: readonly OpShapes[]; readonly dims: readonly DimSource[] } = { shapes: [], dims: [] }): TracedGraph {
  const g = new OnnxGraphBuilder({ graphName: settings.graphName, producerName: '@mta/core' });
  const tracer = new ExportTracer(g, settings.parameters, settings.precision, other.shapes, new RuntimeDims(g, other.dims));
  for (const [i, input] of inputs.entries()) {
    const elem = onnxElemTypeOf(input.tensor, `input ${i}`);
    if (elem === 'float32' && settings.precision === 'float16') {
      g.addInput(input.name, input.dims, 'float16');
      tracer.names.set(input.tensor, g.scope('float16', () => g.op('Cast', [input.name], { to: onnxAttr.int(ONNX_FLOAT) })));
    } else {
      g.addInput(input.name, input.dims, elem);
      tracer.names.set(input.tensor, input.name);
    }
  }
  const outputs = noGrad(() => tidy(() => {
    const result = withTracer(tracer, () => forward(...inputs.map((i) => i.tensor)));
    const outs = Array.isArray(result) ? (result as readonly Tensor[]) : [result as Tensor];
    return outs.map((t, i) => ({ value: tracer.valueOf(t), shape: [...t.shape], elemType: onnxElemTypeOf(t, `output ${i}`) }));
  }));
  return { g, ops: tracer.ops, shapes: tracer.shapes, outputs };
}

/** Declares the traced outputs under their public names; float outputs are narrowed to float16 when asked. */
export function declareOutputs(traced: TracedGraph, names: readonly string[], dims: readonly (readonly OnnxDim[])[], precision: ExportPrecision): string[] {
  const { g } = traced;
  return traced.outputs.map((out, i) => {
    const name = names[i]!;
    if (out.elemType === 'float32' && precision === 'float16') {
      g.addNode({ opType: 'Cast', inputs: [out.value], outputs: [name], attrs: { to: onnxAttr.int(ONNX_FLOAT16) } });
      return g.addOutput(name, dims[i]!, { elemType: 'float16' });
    }
    return g.addOutput(out.value, dims[i]!, { name, elemType: out.elemType });
  });
}
