import { decodeHalf as decodeHalfBits, encodeHalf as encodeHalfBits, hostData, newStorageArray, writeElement, type DType, type Tensor, type TypedArray } from '@mta/core';

/** Storage access helpers shared by the kernels. */
export type Data = TypedArray;

export function isHalf(dtype: DType): dtype is 'float16' | 'bfloat16' {
  return dtype === 'float16' || dtype === 'bfloat16';
}

/** The raw storage value that encodes `value` in `dtype` (bit pattern for half types, 0/1 for bool). */
export function encodeScalar(dtype: DType, value: number): number {
  const cell = newStorageArray(dtype, 1);
  writeElement(dtype, cell, 0, value);
  return cell[0];
}

/** A tensor's elements decoded to float32 (half types only; one allocation per call). */
export function decodeHalf(t: Tensor): Float32Array {
  const out = new Float32Array(t.size);
  decodeHalfBits(t.dtype as 'float16' | 'bfloat16', hostData(t) as Uint16Array, t.offset, out, 0, t.size);
  return out;
}

/** Encodes float32 values into a half-precision output's storage. */
export function encodeHalf(values: Float32Array, out: Tensor): void {
  encodeHalfBits(out.dtype as 'float16' | 'bfloat16', values, 0, hostData(out) as Uint16Array, out.offset, values.length);
}

/** Throws a clear error for dtypes a kernel does not compute on. */
export function requireDtype(what: string, t: Tensor, allowed: readonly DType[]): void {
  if (!allowed.includes(t.dtype)) {
    throw new Error(`${what} on cpu: ${t.describe()} has dtype ${t.dtype}, expected one of ${allowed.join(', ')}; cast it first`);
  }
}
