import { decodeMessage, encodeMessage, type ProtoMessage } from './protobuf.js';
import { ONNX_MESSAGES, type ModelProto } from './schema.generated.js';

/**
 * ModelProto to and from bytes, through the codec and the field tables generated from the official
 * onnx.proto (see tools/generate-onnx-schema.ts). Dependency-free, so browsers and bundlers take it as is.
 */
export function encodeModelProto(model: ModelProto): Uint8Array {
  return encodeMessage(ONNX_MESSAGES, 'ModelProto', model as unknown as ProtoMessage);
}

export function decodeModelProto(bytes: Uint8Array): ModelProto {
  return decodeMessage(ONNX_MESSAGES, 'ModelProto', bytes) as unknown as ModelProto;
}

export type * as Onnx from './schema.generated.js';
export { AttributeProto_AttributeType, TensorProto_DataType } from './schema.generated.js';
