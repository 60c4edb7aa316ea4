import { AttributeProto_AttributeType as AttributeType, type Onnx } from './proto.js';
import type { TensorValue } from './tensor-proto.js';
import { makeTensorProto } from './tensor-proto.js';

/**
 * A node attribute. Explicit kinds, because a JS number cannot tell an ONNX INT from a FLOAT
 * (`axis: 1` and `alpha: 1` need different wire types).
 */
export type OnnxAttribute =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly value: TensorValue };

export const onnxAttr = {
  int: (value: number): OnnxAttribute => ({ kind: 'int', value: checkInt('int', value) }),
  ints: (value: readonly number[]): OnnxAttribute => ({ kind: 'ints', value: value.map((v) => checkInt('ints', v)) }),
  float: (value: number): OnnxAttribute => ({ kind: 'float', value }),
  floats: (value: readonly number[]): OnnxAttribute => ({ kind: 'floats', value: [...value] }),
  string: (value: string): OnnxAttribute => ({ kind: 'string', value }),
  tensor: (value: TensorValue): OnnxAttribute => ({ kind: 'tensor', value }),
} as const;

function checkInt(kind: string, value: number): number {
  if (!Number.isSafeInteger(value)) {
    throw new TypeError(`ONNX attribute (${kind}): expected a safe integer, got ${value}.`);
  }
  return value;
}

export function makeAttributeProto(name: string, attribute: OnnxAttribute): Onnx.AttributeProto {
  switch (attribute.kind) {
    case 'int':
      return { name, type: AttributeType.INT, i: attribute.value };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: [...attribute.value] };
    case 'float':
      return { name, type: AttributeType.FLOAT, f: attribute.value };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: [...attribute.value] };
    case 'string':
      return { name, type: AttributeType.STRING, s: new TextEncoder().encode(attribute.value) };
    case 'tensor':
      return { name, type: AttributeType.TENSOR, t: makeTensorProto('', attribute.value) };
  }
}
