import type { OnnxElemType } from './element-type.js';
import { elemTypeToProto } from './element-type.js';
import type { Onnx } from './proto.js';

/**
 * Tensor contents for initializers and tensor attributes. Typed arrays pick their ONNX type;
 * `bool` needs its tag because a Uint8Array could also mean uint8.
 * `int32` data may be widened to int64 (`as: 'int64'`), since shape/axes inputs must be int64.
 */
export type TensorValue =
  | { readonly data: Float32Array; readonly dims: readonly number[] }
  | { readonly data: Int32Array; readonly dims: readonly number[]; readonly as?: 'int32' | 'int64' }
  | { readonly data: BigInt64Array; readonly dims: readonly number[] }
  | { readonly data: Uint8Array; readonly dims: readonly number[]; readonly elemType: 'bool' }
  /** IEEE half-precision bit patterns. */
  | { readonly data: Uint16Array; readonly dims: readonly number[]; readonly elemType: 'float16' };

export function tensorElemType(value: TensorValue): OnnxElemType {
  if (value.data instanceof Float32Array) return 'float32';
  if (value.data instanceof BigInt64Array) return 'int64';
  if (value.data instanceof Int32Array) return 'as' in value && value.as === 'int64' ? 'int64' : 'int32';
  if (value.data instanceof Uint8Array && 'elemType' in value && value.elemType === 'bool') return 'bool';
  if (value.data instanceof Uint16Array && 'elemType' in value && value.elemType === 'float16') return 'float16';
  throw new TypeError(
    'ONNX tensor: data must be a Float32Array, Int32Array, BigInt64Array, a Uint8Array tagged elemType: \'bool\' ' +
      'or a Uint16Array tagged elemType: \'float16\'.',
  );
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** raw_data is little-endian by the ONNX spec, whatever the host. */
function rawBytes(value: TensorValue, elemType: OnnxElemType): Uint8Array {
  const { data } = value;
  if (elemType === 'int64' && data instanceof Int32Array) {
    return rawBytes({ data: BigInt64Array.from(data, (v) => BigInt(v)), dims: value.dims }, 'int64');
  }
  if (elemType === 'bool') {
    return Uint8Array.from(data as Uint8Array, (v) => (v ? 1 : 0));
  }
  if (LITTLE_ENDIAN) {
    // A copy, so later edits of the caller's array cannot change an already built model.
    return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  }
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else if (data instanceof Int32Array) data.forEach((v, i) => view.setInt32(i * 4, v, true));
  else if (data instanceof BigInt64Array) data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  else if (data instanceof Uint16Array) data.forEach((v, i) => view.setUint16(i * 2, v, true));
  return out;
}

export function checkDims(what: string, dims: readonly number[], length: number): void {
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(`${what}: dims must be non-negative integers, got [${dims.join(', ')}].`);
    }
  }
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== length) {
    throw new RangeError(
      `${what}: dims [${dims.join(', ')}] hold ${size} elements but the data has ${length}; pass matching dims.`,
    );
  }
}

export function makeTensorProto(name: string, value: TensorValue): Onnx.TensorProto {
  const elemType = tensorElemType(value);
  checkDims(`ONNX tensor '${name}'`, value.dims, value.data.length);
  return { name, dims: [...value.dims], dataType: elemTypeToProto(elemType), rawData: rawBytes(value, elemType) };
}
