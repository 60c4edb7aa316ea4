import { fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits } from './half.js';

/**
 * Element types. `float16` and `bfloat16` are storage types (Uint16Array bit patterns): devices may keep
 * tensors in them, but core's arithmetic runs in float32/float64. Cast before computing.
 */
export type DType = 'float32' | 'float64' | 'int32' | 'bool' | 'float16' | 'bfloat16';
export type FloatDType = 'float32' | 'float64';

export interface StorageArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
  float16: Uint16Array;
  bfloat16: Uint16Array;
}
export type TypedArray = StorageArrayOf[DType];

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1, float16: 2, bfloat16: 2 };
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool', 'float16', 'bfloat16'];

export function bytesPerElement(dtype: DType): number {
  return BYTES[dtype];
}

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

/** Dtypes whose values core's kernels compute on directly. */
export function isComputeFloat(dtype: DType): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float64';
}

export function isFloatingPoint(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** A zeroed storage array; `shared` puts it in a SharedArrayBuffer, so worker threads can work on it in place. */
export function newStorageArray<D extends DType>(dtype: D, length: number, shared?: boolean): StorageArrayOf[D];
export function newStorageArray(dtype: DType, length: number, shared = false): TypedArray {
  const buffer = shared ? new SharedArrayBuffer(length * BYTES[dtype]) : new ArrayBuffer(length * BYTES[dtype]);
  switch (dtype) {
    case 'float32': return new Float32Array(buffer);
    case 'float64': return new Float64Array(buffer);
    case 'int32': return new Int32Array(buffer);
    case 'bool': return new Uint8Array(buffer);
    case 'float16': case 'bfloat16': return new Uint16Array(buffer);
  }
}

/** The dtype a typed array holds natively (Uint16Array is ambiguous and must be named explicitly). */
export function dtypeOfArray(a: ArrayLike<number>): DType | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'bool';
  return undefined;
}

/** Reads element i of a storage array as a JS number, decoding half-precision bit patterns. */
export function readElement(dtype: DType, a: TypedArray, i: number): number {
  if (dtype === 'float16') return fromFloat16Bits(a[i]!);
  if (dtype === 'bfloat16') return fromBfloat16Bits(a[i]!);
  return a[i]!;
}

/** Writes a JS number into element i of a storage array, encoding half-precision bit patterns. */
export function writeElement(dtype: DType, a: TypedArray, i: number, v: number): void {
  if (dtype === 'float16') a[i] = toFloat16Bits(v);
  else if (dtype === 'bfloat16') a[i] = toBfloat16Bits(v);
  else if (dtype === 'bool') a[i] = v ? 1 : 0;
  else a[i] = v;
}
