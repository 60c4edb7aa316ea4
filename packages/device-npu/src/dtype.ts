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

/** The 16-bit pattern of a quiet NaN in each half format (used to poison GM outputs). */
export const FLOAT16_NAN_BITS = 0x7e00;
export const BFLOAT16_NAN_BITS = 0x7fc0;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 bits -> float16 bits, round to nearest even. `x` must already be a float32 value. */
function float32ValueToFloat16Bits(x: number): number {
  f32[0] = x;
  const u = u32[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) return mant !== 0 ? sign | 0x7e00 : sign | 0x7c00;
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal (or zero) in float16: value / 2^-24 = m * 2^(e - 14) with the implicit bit restored.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const q = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (rem > half || (rem === half && (q & 1) === 1) ? q + 1 : q);
  }
  const q = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and may give infinity).
  return sign | (rem > 0x1000 || (rem === 0x1000 && (q & 1) === 1) ? q + 1 : q);
}

/**
 * Round an arbitrary double to the nearest value with `mantBits` fraction bits and minimum normal
 * exponent `minExp` (ties to even); used when a JS number is not already a float32, so that
 * rounding happens once (double -> half), not twice (double -> float32 -> half).
 */
function roundDoubleToFormat(x: number, mantBits: number, minExp: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const ax = Math.abs(x);
  let e = Math.floor(Math.log2(ax));
  // log2 can be off by one near powers of two; correct it exactly.
  if (2 ** e > ax) e -= 1;
  else if (2 ** (e + 1) <= ax) e += 1;
  const ulp = 2 ** (Math.max(e, minExp) - mantBits);
  const q = ax / ulp; // exact: division by a power of two
  let r = Math.floor(q);
  const frac = q - r;
  if (frac > 0.5 || (frac === 0.5 && r % 2 === 1)) r += 1;
  return Math.sign(x) * r * ulp;
}

/** Any JS number -> float16 bits (single rounding, to nearest even). */
export function toFloat16Bits(x: number): number {
  if (Math.fround(x) === x || Number.isNaN(x)) return float32ValueToFloat16Bits(x);
  return float32ValueToFloat16Bits(roundDoubleToFormat(x, 10, -14));
}

const FLOAT16_TABLE = (() => {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    let v: number;
    if (exp === 0) v = mant * 2 ** -24;
    else if (exp === 31) v = mant === 0 ? Infinity : NaN;
    else v = (1024 + mant) * 2 ** (exp - 25);
    t[h] = sign * v;
  }
  return t;
})();

export function fromFloat16Bits(h: number): number {
  return FLOAT16_TABLE[h & 0xffff]!;
}

function float32ValueToBfloat16Bits(x: number): number {
  f32[0] = x;
  const u = u32[0]!;
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0) return ((u >>> 16) & 0x8000) | 0x7fc0;
  // Adding 0x7fff plus the lowest kept bit rounds to nearest even; overflow carries into infinity.
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Any JS number -> bfloat16 bits (single rounding, to nearest even). */
export function toBfloat16Bits(x: number): number {
  if (Math.fround(x) === x || Number.isNaN(x)) return float32ValueToBfloat16Bits(x);
  return float32ValueToBfloat16Bits(roundDoubleToFormat(x, 7, -126));
}

export function fromBfloat16Bits(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}

/** Encode float32 values into half bits (RNE). `src` values are float32 (from a Float32Array). */
export function encodeHalf(dtype: 'float16' | 'bfloat16', src: Float32Array, srcOff: number, dst: Uint16Array, dstOff: number, n: number): void {
  if (dtype === 'float16') {
    for (let k = 0; k < n; k++) dst[dstOff + k] = float32ValueToFloat16Bits(src[srcOff + k]!);
  } else {
    const words = new Uint32Array(src.buffer, src.byteOffset, src.length);
    for (let k = 0; k < n; k++) {
      const u = words[srcOff + k]!;
      dst[dstOff + k] =
        (u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0
          ? ((u >>> 16) & 0x8000) | 0x7fc0
          : ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
    }
  }
}

/** Decode half bits into float32 values (exact). */
export function decodeHalf(dtype: 'float16' | 'bfloat16', src: Uint16Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  if (dtype === 'float16') {
    for (let k = 0; k < n; k++) dst[dstOff + k] = FLOAT16_TABLE[src[srcOff + k]!]!;
  } else {
    const words = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
    for (let k = 0; k < n; k++) words[dstOff + k] = src[srcOff + k]! << 16;
  }
}

/** Round a JS number to the nearest value representable in `dtype` (RNE), returned as a number. */
export function roundToDType(dtype: NpuDType, x: number): number {
  if (dtype === 'float32') return Math.fround(x);
  return dtype === 'float16' ? fromFloat16Bits(toFloat16Bits(x)) : fromBfloat16Bits(toBfloat16Bits(x));
}
