/**
 * The softmax exponential, shared by the JavaScript fallback and the wasm SIMD kernel so both give the
 * same bits. exp(d) for d = x - max <= 0:
 *   k = round(d / ln2) by the 1.5 * 2^52 trick, r = (d - k ln2_hi) - k ln2_lo (Cody-Waite, exact
 *   product), exp(d) = 2^k * taylor12(r) (Estrin), |r| <= ln2/2, relative error ~3e-16.
 * d < -707 (and NaN) gives 0: exp(-707) ~ 1e-307, and flushing there keeps 2^k * poly a normal number,
 * where scaling by 2^k (a table multiply here, an exponent add in wasm) is exact. A softmax
 * probability below 1e-307 is 0 in float32 and changes a float64 result by less than 1e-307.
 * Math.exp costs ~20 ns on the target machines; this inlines at a few ns.
 */
export const EXP_ROUND_SHIFT = 6755399441055744.0;
export const LOG2E = 1.4426950408889634;
/** ln2 with its low 28 bits cleared, so k * LN2_HI is exact for |k| < 2^28. */
export const LN2_HI = 0.6931471803691238;
export const LN2_LO = 1.9082149292705877e-10;
export const EXP_FLUSH_BELOW = -707;
/** 1/q! for q = 0..12, the Taylor coefficients. */
export const EXP_TAYLOR: readonly number[] = Array.from({ length: 13 }, (_, q) => {
  let factorial = 1;
  for (let f = 2; f <= q; f++) factorial *= f;
  return 1 / factorial;
});

/** 2^-m for m in [0, 1024). */
const TWO_POW_NEG = new Float64Array(1024);
for (let m = 0; m < 1024; m++) TWO_POW_NEG[m] = Math.pow(2, -m);
const [C0, C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12] = EXP_TAYLOR as [number, number, number, number, number, number, number, number, number, number, number, number, number];

export function expNonPositive(d: number): number {
  if (!(d >= EXP_FLUSH_BELOW)) return 0;
  const t = d * LOG2E + EXP_ROUND_SHIFT;
  const kf = t - EXP_ROUND_SHIFT;
  const r = (d - kf * LN2_HI) - kf * LN2_LO;
  // Estrin's scheme: the same operations as the wasm kernel, with a dependency chain a third of Horner's.
  const r2 = r * r;
  const r4 = r2 * r2;
  const r8 = r4 * r4;
  const b0 = (C0 + C1 * r) + (C2 + C3 * r) * r2;
  const b1 = (C4 + C5 * r) + (C6 + C7 * r) * r2;
  const b2 = (C8 + C9 * r) + (C10 + C11 * r) * r2;
  const poly = (b0 + b1 * r4) + (b2 + C12 * r4) * r8;
  return poly * TWO_POW_NEG[-kf];
}

/**
 * In-place softmax of row[off .. off + n): max, then exp and sum as two interleaved partial sums
 * (even and odd c) plus the odd tail, then scaling by 1 / sum: the wasm kernel's exact order.
 */
export function softmaxInPlace(row: Float64Array, off: number, n: number): void {
  let max = row[off];
  for (let c = 1; c < n; c++) max = Math.max(max, row[off + c]);
  let even = 0;
  let odd = 0;
  const pairs = n & ~1;
  for (let c = 0; c < pairs; c += 2) {
    const e0 = expNonPositive(row[off + c] - max);
    const e1 = expNonPositive(row[off + c + 1] - max);
    row[off + c] = e0;
    row[off + c + 1] = e1;
    even += e0;
    odd += e1;
  }
  let sum = even + odd;
  if (pairs < n) {
    const e = expNonPositive(row[off + pairs] - max);
    row[off + pairs] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let c = 0; c < n; c++) row[off + c] *= inv;
}
