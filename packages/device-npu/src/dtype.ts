import { fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits } from '@mta/core';

/**
 * Element types the simulated global memory (GM) can hold, and exact conversions between them.
 *
 * float16 and bfloat16 live in GM as raw 16-bit patterns (Uint16Array). Conversions round to nearest,
 * ties to even, exactly as IEEE 754 and the Ascend vector unit's `Cast(..., CAST_RINT)` do.
 */
export type NpuDType = 'float32' | 'float16' | 'bfloat16';

export const NPU_DTYPES: readonly NpuDType[] = ['float32', 'float16', 'bfloat16'];

export function dtypeBytes(dtype: NpuDType): 2 | 4 {
  return dtype === 'float32' ? 4 : 2;
}

export function isNpuDType(x: unknown): x is NpuDType {
  return x === 'float32' || x === 'float16' || x === 'bfloat16';
}

/** Storage a GM buffer of this dtype uses: the value itself (float32) or the 16-bit pattern. */
export type DTypeStorage = Float32Array | Uint16Array;

export function allocStorage(dtype: NpuDType, length: number): DTypeStorage {
  return dtype === 'float32' ? new Float32Array(length) : new Uint16Array(length);
}

// The half-precision codec is core's one (round a float64 once, to nearest even): the simulator's GM and
// the framework's float16/bfloat16 tensors hold the same bit patterns.
export { BFLOAT16_NAN_BITS, FLOAT16_NAN_BITS, decodeHalf, encodeHalf, fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits } from '@mta/core';

/** Round a JS number to the nearest value representable in `dtype` (RNE), returned as a number. */
export function roundToDType(dtype: NpuDType, x: number): number {
  if (dtype === 'float32') return Math.fround(x);
  return dtype === 'float16' ? fromFloat16Bits(toFloat16Bits(x)) : fromBfloat16Bits(toBfloat16Bits(x));
}
