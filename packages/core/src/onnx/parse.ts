import { protoToElemName } from './element-type.js';
import { decodeModelProto, type Onnx } from './proto.js';
import type { Int64 } from './protobuf.js';

export interface OnnxValueSummary {
  readonly name: string;
  /** 'float32', 'int64', ... or the ONNX type name for others. */
  readonly elemType: string;
  /** Sizes, with dim_param names for dynamic axes and null where the model gives neither. */
  readonly dims: readonly (number | string | null)[];
}

export interface OnnxModelSummary {
  readonly irVersion: number;
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  readonly producerName: string;
  readonly graphName: string;
  readonly inputs: readonly OnnxValueSummary[];
  readonly outputs: readonly OnnxValueSummary[];
  readonly initializers: readonly OnnxValueSummary[];
  /** Op type of every node, in graph order. */
  readonly nodeOpTypes: readonly string[];
  readonly nodeNames: readonly string[];
}

/** An int64 as the codec decodes it: a number when safe, else a bigint. */
export type OnnxLongLike = Int64;

/** An int64 field as a number (0 when absent); a bigint beyond 2^53 is rounded, which no size or index reaches. */
export function protoNumber(v: OnnxLongLike | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return Number(v);
}

function summariseValue(info: Onnx.ValueInfoProto): OnnxValueSummary {
  const tensorType = info.type?.tensorType;
  return {
    name: info.name ?? '',
    elemType: protoToElemName(tensorType?.elemType ?? 0),
    dims: (tensorType?.shape?.dim ?? []).map((d) =>
      d.dimParam ? d.dimParam : d.dimValue !== null && d.dimValue !== undefined ? protoNumber(d.dimValue) : null,
    ),
  };
}

export type OnnxModelProto = Onnx.ModelProto;
export type OnnxNodeProto = Onnx.NodeProto;

/**
 * Decodes a serialised ModelProto. `source` names the file (or origin) in the error, which is the
 * point: a truncated or wrong file must say which one and why.
 */
export function decodeOnnxModel(bytes: Uint8Array, source = '<bytes>'): OnnxModelProto {
  const fail = (reason: string): never => {
    throw new Error(
      `model file ${source} failed to parse: ${reason}. ` +
        'Expected a binary ONNX ModelProto (re-export it, and check the file is complete and not text).',
    );
  };
  if (!(bytes instanceof Uint8Array)) fail(`expected a Uint8Array, got ${Object.prototype.toString.call(bytes)}`);
  if (bytes.byteLength === 0) fail('the file is empty');
  let model: Onnx.ModelProto;
  try {
    model = decodeModelProto(bytes);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  // protobuf decodes many byte strings into *some* message; a model without an IR version or a
  // graph is not an ONNX model, whatever the decoder says.
  if (protoNumber(model.irVersion) <= 0) fail('no ir_version field');
  if (!model.graph) fail('no graph');
  return model;
}

/** Decodes (see decodeOnnxModel) and summarises a model: inputs, outputs, initializers, node op types. */
export function parseOnnxModel(bytes: Uint8Array, source = '<bytes>'): OnnxModelSummary {
  const model = decodeOnnxModel(bytes, source);
  const graph = model.graph!;
  const irVersion = protoNumber(model.irVersion);
  return {
    irVersion,
    opsets: (model.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: protoNumber(o.version) })),
    producerName: model.producerName ?? '',
    graphName: graph.name ?? '',
    inputs: (graph.input ?? []).map(summariseValue),
    outputs: (graph.output ?? []).map(summariseValue),
    initializers: (graph.initializer ?? []).map((t) => ({
      name: t.name ?? '',
      elemType: protoToElemName(t.dataType ?? 0),
      dims: (t.dims ?? []).map((d) => protoNumber(d)),
    })),
    nodeOpTypes: (graph.node ?? []).map((n) => n.opType ?? ''),
    nodeNames: (graph.node ?? []).map((n) => n.name ?? ''),
  };
}
