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

// ---- float16 / bfloat16 bit conversions (round to nearest even) ----

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function float32ToBfloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) return 0x7fc0; // NaN stays NaN
  const rounding = 0x7fff + ((bits >>> 16) & 1);
  return ((bits + rounding) >>> 16) & 0xffff;
}

export function bfloat16BitsToFloat32(h: number): number {
  u32[0] = h << 16;
  return f32[0]!;
}

export function float32ToFloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to infinity
  if (e <= 0) {
    if (e < -10) return sign; // underflow to signed zero
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let m = mant >>> shift;
    if (rest > half || (rest === half && (m & 1))) m++;
    return sign | m;
  }
  const rest = mant & 0x1fff;
  let m = mant >>> 13;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1))) {
    m++;
    if (m === 0x400) { m = 0; e++; if (e >= 0x1f) return sign | 0x7c00; }
  }
  return sign | (e << 10) | m;
}

export function float16BitsToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Reads element i of a storage array as a JS number, decoding half-precision bit patterns. */
export function readElement(dtype: DType, a: TypedArray, i: number): number {
  if (dtype === 'float16') return float16BitsToFloat32(a[i]!);
  if (dtype === 'bfloat16') return bfloat16BitsToFloat32(a[i]!);
  return a[i]!;
}

/** Writes a JS number into element i of a storage array, encoding half-precision bit patterns. */
export function writeElement(dtype: DType, a: TypedArray, i: number, v: number): void {
  if (dtype === 'float16') a[i] = float32ToFloat16Bits(v);
  else if (dtype === 'bfloat16') a[i] = float32ToBfloat16Bits(v);
  else if (dtype === 'bool') a[i] = v ? 1 : 0;
  else a[i] = v;
}
