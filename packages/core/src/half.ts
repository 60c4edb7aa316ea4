/**
 * The one float16 / bfloat16 codec of the framework. Half-precision values live as 16-bit patterns
 * (Uint16Array); every encoder rounds a JS number (a float64) straight to the half format, to nearest with
 * ties to even, as IEEE 754 and the Ascend vector unit's `Cast(..., CAST_RINT)` do. Rounding once matters:
 * going through float32 first (double rounding) gives a different answer for values just off a half-way
 * point.
 */

/** The 16-bit pattern of a quiet NaN in each half format (also what poisoned half outputs hold). */
export const FLOAT16_NAN_BITS = 0x7e00;
export const BFLOAT16_NAN_BITS = 0x7fc0;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 value -> float16 bits, round to nearest even. `x` must already be a float32 value. */
function float32ValueToFloat16Bits(x: number): number {
  f32[0] = x;
  const u = u32[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) return mant !== 0 ? sign | FLOAT16_NAN_BITS : sign | 0x7c00;
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

/** float32 value -> bfloat16 bits, round to nearest even. `x` must already be a float32 value. */
function float32ValueToBfloat16Bits(x: number): number {
  f32[0] = x;
  const u = u32[0]!;
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0) return ((u >>> 16) & 0x8000) | BFLOAT16_NAN_BITS;
  // Adding 0x7fff plus the lowest kept bit rounds to nearest even; overflow carries into infinity.
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/**
 * Rounds a double to the nearest value with `mantBits` fraction bits and minimum normal exponent `minExp`
 * (ties to even). The result is exactly representable in the half format, hence also in float32, so the
 * float32 encoders above then convert it without a second rounding.
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

/** Any JS number -> float16 bits (one rounding, to nearest even). */
export function toFloat16Bits(x: number): number {
  if (Math.fround(x) === x || Number.isNaN(x)) return float32ValueToFloat16Bits(x);
  return float32ValueToFloat16Bits(roundDoubleToFormat(x, 10, -14));
}

/** Any JS number -> bfloat16 bits (one rounding, to nearest even). */
export function toBfloat16Bits(x: number): number {
  if (Math.fround(x) === x || Number.isNaN(x)) return float32ValueToBfloat16Bits(x);
  return float32ValueToBfloat16Bits(roundDoubleToFormat(x, 7, -126));
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

/** float16 bits -> the exact value. */
export function fromFloat16Bits(h: number): number {
  return FLOAT16_TABLE[h & 0xffff]!;
}

/** bfloat16 bits -> the exact value. */
export function fromBfloat16Bits(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}

/** Encodes float32 values into half bits (RNE), `n` elements from `src[srcOff]` to `dst[dstOff]`. */
export function encodeHalf(dtype: 'float16' | 'bfloat16', src: Float32Array, srcOff: number, dst: Uint16Array, dstOff: number, n: number): void {
  if (dtype === 'float16') {
    for (let k = 0; k < n; k++) dst[dstOff + k] = float32ValueToFloat16Bits(src[srcOff + k]!);
    return;
  }
  // bfloat16 is the top half of a float32: round on the raw words without a per-element call.
  const words = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let k = 0; k < n; k++) {
    const u = words[srcOff + k]!;
    dst[dstOff + k] = (u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0
      ? ((u >>> 16) & 0x8000) | BFLOAT16_NAN_BITS
      : ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
  }
}

/** Decodes half bits into float32 values (exact), `n` elements. */
export function decodeHalf(dtype: 'float16' | 'bfloat16', src: Uint16Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  if (dtype === 'float16') {
    for (let k = 0; k < n; k++) dst[dstOff + k] = FLOAT16_TABLE[src[srcOff + k]!]!;
    return;
  }
  const words = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let k = 0; k < n; k++) words[dstOff + k] = src[srcOff + k]! << 16;
}
