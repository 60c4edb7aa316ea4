import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { Onnx } from '../../src/onnx/proto';

/**
 * The official onnx.proto read by protobufjs's reflection (a devDependency): an encoder and decoder that
 * share nothing with ours but the .proto file, so tests can cross-check our codec against it.
 */
const root = protobuf.loadSync(fileURLToPath(new URL('../../schema/onnx.proto', import.meta.url)));
export const ReferenceModelProto = root.lookupType('onnx.ModelProto');
export const referenceEnum = (name: string): Readonly<Record<string, number>> => root.lookupEnum(name).values;

/** Decodes with protobufjs; int64 as numbers, bytes as Uint8Array, empty lists present. */
export function referenceDecode(bytes: Uint8Array): Onnx.ModelProto {
  const message = ReferenceModelProto.decode(bytes);
  return ReferenceModelProto.toObject(message, { longs: Number, arrays: true }) as Onnx.ModelProto;
}

/** Encodes a plain object with protobufjs (after its own verification). */
export function referenceEncode(model: Onnx.ModelProto): Uint8Array {
  const problem = ReferenceModelProto.verify(model);
  if (problem) throw new Error(`protobufjs rejects the model: ${problem}`);
  return ReferenceModelProto.encode(ReferenceModelProto.fromObject(model)).finish();
}
