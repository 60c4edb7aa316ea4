import type { OnnxAttribute } from './attributes.js';
import { makeAttributeProto } from './attributes.js';
import type { OnnxElemType } from './element-type.js';
import { elemTypeToProto } from './element-type.js';
import { encodeModelProto, type Onnx } from './proto.js';
import type { TensorValue } from './tensor-proto.js';
import { makeTensorProto } from './tensor-proto.js';

/** A dimension: a size, or a name (ONNX dim_param) for an axis left dynamic, e.g. 'batch'. */
export type OnnxDim = number | string;

export interface OnnxGraphBuilderOptions {
  readonly graphName?: string;
  readonly producerName?: string;
  readonly producerVersion?: string;
  readonly docString?: string;
  /** Default-domain opset; the exporter targets 17. */
  readonly opset?: number;
}

export interface OnnxNodeSpec {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly attrs?: Readonly<Record<string, OnnxAttribute>>;
  /** How many outputs (named after the node), or their names. Default 1. */
  readonly outputs?: number | readonly string[];
  /** Overrides the generated `scope/OpType_N` name; must be unique. */
  readonly name?: string;
  readonly domain?: string;
}

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

/**
 * Builds one ONNX ModelProto (IR 8, opset 17) node by node. It knows names, element types and
 * shapes, never tensors, so any front-end (the tracer, hand-written lowerings, tests) can drive it.
 * Every value name is checked when used, so a dangling edge fails here with its node named
 * instead of later inside ONNX Runtime.
 */
export class OnnxGraphBuilder {
  private readonly options: OnnxGraphBuilderOptions;
  private readonly inputs: Onnx.ValueInfoProto[] = [];
  private readonly outputs: Onnx.ValueInfoProto[] = [];
  private readonly initializers: Onnx.TensorProto[] = [];
  private readonly nodes: Onnx.NodeProto[] = [];
  /** Every value name defined so far (inputs, initializers, node outputs). */
  private readonly values = new Set<string>();
  private readonly nodeNames = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly memoTable = new Map<string, unknown>();
  private readonly scopes: string[] = [];

  constructor(options: OnnxGraphBuilderOptions = {}) {
    this.options = options;
  }

  // ---- naming -------------------------------------------------------------------------------

  /** Runs `fn` with `prefix` appended to the name scope: nodes become `outer/prefix/OpType_N`. */
  scope<T>(prefix: string, fn: () => T): T {
    if (prefix === '' || prefix.includes('/')) {
      throw new RangeError(`OnnxGraphBuilder.scope: prefix must be non-empty and without '/', got '${prefix}'.`);
    }
    this.scopes.push(prefix);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** A fresh name `scope/base_N`, unique among nodes and values of this graph. */
  uniqueName(base: string): string {
    const path = [...this.scopes, base].join('/');
    for (;;) {
      const n = this.counters.get(path) ?? 0;
      this.counters.set(path, n + 1);
      const name = `${path}_${n}`;
      if (!this.values.has(name) && !this.nodeNames.has(name)) return name;
    }
  }

  /**
   * Returns the value made once per key (e.g. a causal mask per L, a scalar constant), so repeated
   * lowerings share one sub-graph. Keys are global to the graph, not to the current scope.
   */
  memo<T>(key: string, make: () => T): T {
    if (this.memoTable.has(key)) return this.memoTable.get(key) as T;
    const value = make();
    this.memoTable.set(key, value);
    return value;
  }

  hasValue(name: string): boolean {
    return this.values.has(name);
  }

  // ---- graph inputs, initializers, constants -------------------------------------------------

  addInput(name: string, dims: readonly OnnxDim[], elemType: OnnxElemType = 'float32'): string {
    this.defineValue(name, 'graph input');
    this.inputs.push(valueInfo(name, dims, elemType));
    return name;
  }

  /** A named parameter stored in the model (raw_data, little-endian). */
  addInitializer(name: string, value: TensorValue): string {
    const proto = makeTensorProto(name, value);
    this.defineValue(name, 'initializer');
    this.initializers.push(proto);
    return name;
  }

  /** An initializer with a generated name (`scope/hint_N`). */
  constant(value: TensorValue, hint = 'const'): string {
    return this.addInitializer(this.uniqueName(hint), value);
  }

  /** A float32 constant: a scalar for a number, else 1-D unless dims are given. */
  constFloat(values: number | readonly number[] | Float32Array, dims?: readonly number[], hint = 'const'): string {
    const data = typeof values === 'number' ? Float32Array.of(values) : Float32Array.from(values);
    return this.constant({ data, dims: dims ?? (typeof values === 'number' ? [] : [data.length]) }, hint);
  }

  /** An int64 constant (shapes, axes, K of TopK): a scalar for a number, else 1-D unless dims are given. */
  constInt64(values: number | readonly number[] | BigInt64Array, dims?: readonly number[], hint = 'const'): string {
    const list = typeof values === 'number' ? [values] : values instanceof BigInt64Array ? null : values;
    if (list) {
      for (const v of list) {
        if (!Number.isSafeInteger(v)) throw new TypeError(`OnnxGraphBuilder.constInt64: ${v} is not a safe integer.`);
      }
    }
    const data = list ? BigInt64Array.from(list, (v) => BigInt(v)) : (values as BigInt64Array);
    return this.constant({ data, dims: dims ?? (typeof values === 'number' ? [] : [data.length]) }, hint);
  }

  constBool(values: readonly boolean[] | Uint8Array, dims: readonly number[], hint = 'const'): string {
    const data = Uint8Array.from(values as ArrayLike<number | boolean>, (v) => (v ? 1 : 0));
    return this.constant({ data, dims, elemType: 'bool' }, hint);
  }

  // ---- nodes ----------------------------------------------------------------------------------

  /** Adds a node and returns its output names. Inputs must already exist ('' skips an optional input). */
  addNode(spec: OnnxNodeSpec): string[] {
    const name = spec.name ?? this.uniqueName(spec.opType);
    if (this.nodeNames.has(name)) {
      throw new RangeError(`OnnxGraphBuilder: node name '${name}' is used twice; node names must be unique.`);
    }
    spec.inputs.forEach((input, index) => {
      if (input !== '' && !this.values.has(input)) {
        throw new RangeError(
          `OnnxGraphBuilder: node '${name}' (${spec.opType}) input ${index} '${input}' is not defined; ` +
            'add it as a graph input, an initializer or an earlier node output first.',
        );
      }
    });
    const outputNames =
      typeof spec.outputs === 'object'
        ? [...spec.outputs]
        : Array.from({ length: spec.outputs ?? 1 }, (_, i) => (i === 0 ? name : `${name}:${i}`));
    if (outputNames.length === 0) {
      throw new RangeError(`OnnxGraphBuilder: node '${name}' (${spec.opType}) needs at least one output.`);
    }
    for (const out of outputNames) this.defineValue(out, `output of node '${name}'`);
    this.nodeNames.add(name);
    this.nodes.push({
      name,
      opType: spec.opType,
      domain: spec.domain ?? '',
      input: [...spec.inputs],
      output: outputNames,
      attribute: Object.entries(spec.attrs ?? {}).map(([key, value]) => makeAttributeProto(key, value)),
    });
    return outputNames;
  }

  /** A single-output node; returns the output's name (equal to the generated node name). */
  op(opType: string, inputs: readonly string[], attrs?: Readonly<Record<string, OnnxAttribute>>): string {
    return this.addNode({ opType, inputs, attrs })[0]!;
  }

  // ---- graph outputs ---------------------------------------------------------------------------

  /**
   * Declares `value` a graph output with the given shape. With `name` different from `value`,
   * an Identity node gives the output its public name.
   */
  addOutput(value: string, dims: readonly OnnxDim[], options: { name?: string; elemType?: OnnxElemType } = {}): string {
    if (!this.values.has(value)) {
      throw new RangeError(`OnnxGraphBuilder.addOutput: value '${value}' is not defined in this graph.`);
    }
    let outName = value;
    if (options.name !== undefined && options.name !== value) {
      outName = this.addNode({ opType: 'Identity', inputs: [value], outputs: [options.name] })[0]!;
    }
    if (this.outputs.some((o) => o.name === outName)) {
      throw new RangeError(`OnnxGraphBuilder.addOutput: '${outName}' is already a graph output.`);
    }
    this.outputs.push(valueInfo(outName, dims, options.elemType ?? 'float32'));
    return outName;
  }

  // ---- results ---------------------------------------------------------------------------------

  get nodeCount(): number {
    return this.nodes.length;
  }

  toModelProto(): Onnx.ModelProto {
    if (this.outputs.length === 0) {
      throw new RangeError('OnnxGraphBuilder: the graph has no outputs; call addOutput before encoding.');
    }
    return {
      irVersion: ONNX_IR_VERSION,
      producerName: this.options.producerName ?? '@mta/core',
      producerVersion: this.options.producerVersion ?? '',
      docString: this.options.docString ?? '',
      opsetImport: [{ domain: '', version: this.options.opset ?? ONNX_OPSET }],
      graph: {
        name: this.options.graphName ?? 'graph',
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
      },
    };
  }

  /** The serialised ModelProto. */
  encode(): Uint8Array {
    // A plain Uint8Array that owns its whole buffer: callers pass `.buffer` on (workers, ORT's wasm heap).
    return encodeModelProto(this.toModelProto());
  }

  private defineValue(name: string, what: string): void {
    if (name === '') throw new RangeError(`OnnxGraphBuilder: a ${what} needs a non-empty name.`);
    if (this.values.has(name)) {
      throw new RangeError(`OnnxGraphBuilder: value name '${name}' (${what}) is already defined; names must be unique.`);
    }
    this.values.add(name);
  }
}

function valueInfo(name: string, dims: readonly OnnxDim[], elemType: OnnxElemType): Onnx.ValueInfoProto {
  const dim = dims.map((d): Onnx.TensorShapeProto_Dimension => {
    if (typeof d === 'string') {
      if (d === '') throw new RangeError(`ONNX value '${name}': a dynamic dimension needs a name.`);
      return { dimParam: d };
    }
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(`ONNX value '${name}': dimension ${d} is not a non-negative integer.`);
    }
    return { dimValue: d };
  });
  return { name, type: { tensorType: { elemType: elemTypeToProto(elemType), shape: { dim } } } };
}

