/**
 * float16 on the webgpu device without the `shader-f16` feature (which neither SwiftShader nor the H200's
 * Dawn adapter exposes): a float16 tensor is stored as IEEE binary16 bit patterns packed two to a u32 word,
 * element e in bits 16 * (e & 1) .. of word e >> 1 (little-endian, the same bytes as core's Uint16Array),
 * and kernels compute in f32.
 *
 * The conversions are integer code, not WGSL's pack2x16float / unpack2x16float: the WGSL spec leaves those
 * indeterminate for values outside binary16's finite range (overflow, Inf, NaN) and the rounding of an
 * inexact value to the implementation, while the framework has one codec (core's `half.ts`: round to
 * nearest, ties to even; overflow to Inf; NaN stays NaN) and MTA's contract writes NaN rows. These match
 * core's codec bit for bit (test/half-storage.test.ts checks every half and the rounding probes) on any
 * adapter. A handful of integer operations per element: the kernels that use them are memory-bound.
 *
 * An adapter with `shader-f16` could load and store `f16` directly; nothing here needs it, and a second
 * path could not be tested on the adapters at hand.
 */
export const HALF_CODEC = `
// binary16 bits (the low 16 bits of h) -> f32, exact; subnormals by their bits, Inf and NaN (payload kept) too.
fn halfToF32(h: u32) -> f32 {
  let sign = (h & 0x8000u) << 16u;
  let expBits = (h >> 10u) & 0x1fu;
  let mant = h & 0x3ffu;
  if (expBits == 0x1fu) { return bitcast<f32>(sign | 0x7f800000u | (mant << 13u)); }
  if (expBits != 0u) { return bitcast<f32>(sign | ((expBits + 112u) << 23u) | (mant << 13u)); }
  if (mant == 0u) { return bitcast<f32>(sign); }
  // mant * 2^-24 = 1.f * 2^(top - 24), top the leading bit of mant: a normal f32.
  let top = firstLeadingBit(mant);
  return bitcast<f32>(sign | ((top + 103u) << 23u) | ((mant << (23u - top)) & 0x7fffffu));
}
// f32 -> binary16 bits, to nearest with ties to even (core's half.ts, line for line); NaN -> 0x7e00 with its sign.
fn f32ToHalf(x: f32) -> u32 {
  let u = bitcast<u32>(x);
  let sign = (u >> 16u) & 0x8000u;
  let expBits = i32((u >> 23u) & 0xffu);
  let mant = u & 0x7fffffu;
  if (expBits == 255) { return select(sign | 0x7c00u, sign | 0x7e00u, mant != 0u); }
  let e = expBits - 112;
  if (e >= 31) { return sign | 0x7c00u; }
  if (e <= 0) {
    if (e < -10) { return sign; }
    let m = mant | 0x800000u;
    let shift = u32(14 - e);
    let q = m >> shift;
    let rem = m & ((1u << shift) - 1u);
    let halfway = 1u << (shift - 1u);
    return sign | select(q, q + 1u, rem > halfway || (rem == halfway && (q & 1u) == 1u));
  }
  let q = (u32(e) << 10u) | (mant >> 13u);
  let rem = mant & 0x1fffu;
  // A carry out of the mantissa bumps the exponent, up to Inf: the format's own rounding.
  return sign | select(q, q + 1u, rem > 0x1000u || (rem == 0x1000u && (q & 1u) == 1u));
}`;

/** `fn fnName(e: u32) -> u32`: the binary16 bits of element e of a packed buffer (array<u32>). */
export function halfBitsLoadFn(fnName: string, buffer: string): string {
  return `fn ${fnName}(e: u32) -> u32 { return (${buffer}[e >> 1u] >> ((e & 1u) << 4u)) & 0xffffu; }`;
}
