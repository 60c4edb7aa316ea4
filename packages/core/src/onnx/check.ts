import { ONNX_IR_VERSION, ONNX_OPSET } from './graph-builder.js';
import { AttributeProto_AttributeType as AttributeType, TensorProto_DataType as DataType, type Onnx } from './proto.js';
import { protoNumber } from './parse.js';

/**
 * The rules of the ONNX checker that ONNX Runtime enforces when it loads a model, for the models this
 * package writes (IR 8, default-domain opset 17): a typed, shaped graph interface, single assignment of
 * every value, nodes in topological order, unique node names, consistent attributes and initializers.
 * Returns every problem found, in words; an empty list means the model passes.
 */
export function onnxModelProblems(model: Onnx.ModelProto): string[] {
  const problems: string[] = [];
  const irVersion = protoNumber(model.irVersion);
  if (irVersion !== ONNX_IR_VERSION) problems.push(`ir_version is ${irVersion}, expected ${ONNX_IR_VERSION}`);
  const opsets = model.opsetImport ?? [];
  const defaultOpset = opsets.find((o) => (o.domain ?? '') === '');
  if (!defaultOpset) problems.push('no opset_import for the default domain');
  else if (protoNumber(defaultOpset.version) !== ONNX_OPSET) problems.push(`default-domain opset is ${protoNumber(defaultOpset.version)}, expected ${ONNX_OPSET}`);
  if (new Set(opsets.map((o) => o.domain ?? '')).size !== opsets.length) problems.push('an opset domain is imported twice');
  const graph = model.graph;
  if (!graph) return [...problems, 'the model has no graph'];
  if (!graph.name) problems.push('the graph has no name');

  const defined = new Set<string>();
  const define = (name: string | null | undefined, what: string): void => {
    if (!name) problems.push(`${what} has no name`);
    else if (defined.has(name)) problems.push(`value '${name}' (${what}) is defined twice; values are assigned once`);
    else defined.add(name);
  };
  for (const input of graph.input ?? []) {
    valueInfoProblems(input, 'graph input', problems);
    define(input.name, `graph input '${input.name ?? ''}'`);
  }
  const inputNames = new Set((graph.input ?? []).map((i) => i.name));
  for (const init of graph.initializer ?? []) {
    initializerProblems(init, problems);
    // IR >= 4 lets an initializer also be a graph input (a default value): one name, one value.
    if (!inputNames.has(init.name)) define(init.name, `initializer '${init.name ?? ''}'`);
  }
  const nodeNames = new Set<string>();
  for (const [index, node] of (graph.node ?? []).entries()) {
    const label = `node ${index} '${node.name ?? ''}' (${node.opType ?? '?'})`;
    if (!node.opType) problems.push(`${label} has no op_type`);
    if (!node.name) problems.push(`${label} has no name`);
    else if (nodeNames.has(node.name)) problems.push(`${label}: node name used twice`);
    else nodeNames.add(node.name);
    for (const input of node.input ?? []) {
      if (input !== '' && !defined.has(input)) problems.push(`${label} reads '${input}' before it is defined (nodes must be in topological order)`);
    }
    for (const attribute of node.attribute ?? []) attributeProblems(attribute, label, problems);
    if ((node.output ?? []).length === 0) problems.push(`${label} has no outputs`);
    for (const output of node.output ?? []) if (output !== '') define(output, `output of ${label}`);
  }
  const outputNames = new Set<string>();
  for (const output of graph.output ?? []) {
    valueInfoProblems(output, 'graph output', problems);
    if (output.name && !defined.has(output.name)) problems.push(`graph output '${output.name}' is not produced by the graph`);
    if (output.name && outputNames.has(output.name)) problems.push(`graph output '${output.name}' is declared twice`);
    if (output.name) outputNames.add(output.name);
  }
  if ((graph.output ?? []).length === 0) problems.push('the graph has no outputs');
  return problems;
}

/** Throws one error listing every problem onnxModelProblems finds. */
export function assertValidOnnxModel(model: Onnx.ModelProto, what = 'ONNX model'): void {
  const problems = onnxModelProblems(model);
  if (problems.length > 0) throw new Error(`${what} breaks the ONNX checker's rules:\n  - ${problems.join('\n  - ')}`);
}

const KNOWN_ELEM_TYPES = new Set<number>(Object.values(DataType).filter((v) => v !== DataType.UNDEFINED));

function valueInfoProblems(info: Onnx.ValueInfoProto, what: string, problems: string[]): void {
  const label = `${what} '${info.name ?? ''}'`;
  const tensor = info.type?.tensorType;
  if (!tensor) {
    problems.push(`${label} has no tensor type`);
    return;
  }
  if (!KNOWN_ELEM_TYPES.has(tensor.elemType ?? 0)) problems.push(`${label} has element type ${tensor.elemType ?? 'unset'}`);
  if (!tensor.shape) {
    problems.push(`${label} has no shape`);
    return;
  }
  for (const [axis, dim] of (tensor.shape.dim ?? []).entries()) {
    const hasValue = dim.dimValue !== null && dim.dimValue !== undefined;
    if (hasValue && dim.dimParam) problems.push(`${label} axis ${axis} has both dim_value and dim_param`);
    else if (hasValue && protoNumber(dim.dimValue) < 0) problems.push(`${label} axis ${axis} has dim_value ${protoNumber(dim.dimValue)}`);
    else if (!hasValue && !dim.dimParam) problems.push(`${label} axis ${axis} has neither dim_value nor dim_param`);
  }
}

/** Bytes per element of the types whose raw_data has a fixed width. */
const ELEM_BYTES: Readonly<Partial<Record<number, number>>> = {
  [DataType.FLOAT]: 4, [DataType.FLOAT16]: 2, [DataType.BFLOAT16]: 2, [DataType.DOUBLE]: 8, [DataType.INT8]: 1, [DataType.UINT8]: 1,
  [DataType.INT16]: 2, [DataType.UINT16]: 2, [DataType.INT32]: 4, [DataType.UINT32]: 4, [DataType.INT64]: 8, [DataType.UINT64]: 8,
  [DataType.BOOL]: 1,
};

function initializerProblems(init: Onnx.TensorProto, problems: string[]): void {
  const label = `initializer '${init.name ?? ''}'`;
  const type = init.dataType ?? 0;
  if (!KNOWN_ELEM_TYPES.has(type)) problems.push(`${label} has data type ${type}`);
  const dims = (init.dims ?? []).map((d) => protoNumber(d));
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) problems.push(`${label} has dims [${dims.join(', ')}]`);
  const bytes = ELEM_BYTES[type];
  if (init.rawData && bytes !== undefined) {
    const expected = dims.reduce((a, b) => a * b, 1) * bytes;
    if (init.rawData.length !== expected) problems.push(`${label}: raw_data has ${init.rawData.length} bytes, dims [${dims.join(', ')}] need ${expected}`);
  }
}

/** Which field holds an attribute's value, by its declared type (the checker requires exactly that one). */
const ATTRIBUTE_FIELD: Readonly<Partial<Record<number, keyof Onnx.AttributeProto>>> = {
  [AttributeType.FLOAT]: 'f', [AttributeType.INT]: 'i', [AttributeType.STRING]: 's', [AttributeType.TENSOR]: 't', [AttributeType.GRAPH]: 'g',
  [AttributeType.FLOATS]: 'floats', [AttributeType.INTS]: 'ints', [AttributeType.STRINGS]: 'strings', [AttributeType.TENSORS]: 'tensors',
  [AttributeType.GRAPHS]: 'graphs',
};

function attributeProblems(attribute: Onnx.AttributeProto, node: string, problems: string[]): void {
  const label = `${node} attribute '${attribute.name ?? ''}'`;
  if (!attribute.name) problems.push(`${label} has no name`);
  const field = ATTRIBUTE_FIELD[attribute.type ?? 0];
  if (!field) {
    problems.push(`${label} has type ${attribute.type ?? 'unset'}`);
    return;
  }
  const value = attribute[field];
  const isList = Array.isArray(value);
  const present = isList ? true : value !== null && value !== undefined;
  if (!present) problems.push(`${label} is declared ${field} but holds no ${field}`);
  for (const [other, otherField] of Object.entries(ATTRIBUTE_FIELD)) {
    if (otherField === field || !otherField) continue;
    const v = attribute[otherField];
    if (Array.isArray(v) ? v.length > 0 : v !== null && v !== undefined) problems.push(`${label} (type ${attribute.type}) also holds field ${otherField} of type ${other}`);
  }
}
