import type { MtaArray } from './types.js';

/**
 * Row-wise sparsemax over the first n entries of a row (the unmasked keys j <= i) and the
 * vector-Jacobian products of softmax and sparsemax (the softmax itself is in softmax-exp.ts). Callers pass n = i + 1, so masked entries are never read: a NaN above the
 * diagonal cannot reach the arithmetic. All sums run in float64 (JS numbers).
 */

/**
 * dst[dstOff + c] = sparsemax(src[srcOff .. srcOff + n))[c], exactly: tau is computed from the final
 * support, tau = (sum_support z - 1) / |support|, found by Michelot's fixed-point iteration.
 * Everything runs on z - max(z) (sparsemax is shift-invariant): only z - max > -1 can be in the support,
 * which makes saturated rows one short pass, and the threshold stays a small number: unshifted, at
 * |z| >= 2^53 max - 1 == max and no entry was a candidate (all-NaN rows).
 * A row with a NaN or +Inf entry, or every entry -Inf, is all NaN; -Inf entries otherwise get 0.
 * `candidates` is scratch of length >= n. Also written to copy[copyOff + c] when copy is given.
 * dst may alias src.
 */
export function sparsemaxRow(
  src: MtaArray, srcOff: number, n: number, dst: Float64Array, dstOff: number, candidates: Float64Array, copy: MtaArray | null, copyOff: number,
): void {
  let max = src[srcOff];
  let total = 0;
  for (let c = 0; c < n; c++) {
    const v = src[srcOff + c];
    total += v;
    if (v > max) max = v;
  }
  if (total !== total || !Number.isFinite(max)) {
    // NaN or +Inf unmasked scores (or no finite one): comparisons would silently drop them; propagate NaN instead.
    for (let c = 0; c < n; c++) dst[dstOff + c] = NaN;
    if (copy !== null) copy.fill(NaN, copyOff, copyOff + n);
    return;
  }
  let count = 0;
  let sum = 0;
  for (let c = 0; c < n; c++) {
    const v = src[srcOff + c] - max;
    if (v > -1) {
      candidates[count++] = v;
      sum += v;
    }
  }
  // count >= 1: the maximum itself is a candidate (0 > -1).
  let tau = (sum - 1) / count;
  // tau only grows and the candidate set only shrinks, so this ends after at most `count` passes
  // (in practice 2-4); each removed value is <= some tau <= the true threshold.
  for (;;) {
    let kept = 0;
    let keptSum = 0;
    for (let q = 0; q < count; q++) {
      const v = candidates[q];
      if (v > tau) {
        candidates[kept++] = v;
        keptSum += v;
      }
    }
    if (kept === count || kept === 0) break;
    count = kept;
    sum = keptSum;
    tau = (sum - 1) / count;
  }
  for (let c = 0; c < n; c++) {
    const d = src[srcOff + c] - max - tau;
    dst[dstOff + c] = d > 0 ? d : 0;
  }
  if (copy !== null) for (let c = 0; c < n; c++) copy[copyOff + c] = dst[dstOff + c];
}

/**
 * sum_c a[c] * b[c] over n entries, as two interleaved partial sums (even and odd c) added at the end,
 * then the odd tail: the order of the wasm SIMD dot, so both give the same bits.
 */
export function pairwiseDot(a: MtaArray, aOff: number, b: MtaArray, bOff: number, n: number): number {
  let even = 0;
  let odd = 0;
  const pairs = n & ~1;
  for (let c = 0; c < pairs; c += 2) {
    even += a[aOff + c] * b[bOff + c];
    odd += a[aOff + c + 1] * b[bOff + c + 1];
  }
  let dot = even + odd;
  if (pairs < n) dot += a[aOff + pairs] * b[bOff + pairs];
  return dot;
}

/** dst = p * (g - dot) over n entries with dot = sum(p * g): the softmax VJP. */
export function softmaxVjpRow(p: MtaArray, pOff: number, g: MtaArray, gOff: number, n: number, dst: MtaArray, dstOff: number, dot: number): void {
  for (let c = 0; c < n; c++) dst[dstOff + c] = p[pOff + c] * (g[gOff + c] - dot);
}

/** dst = g - mean over the support {p > 0} of g on the support, 0 off it: the sparsemax VJP. */
export function sparsemaxVjpRow(p: MtaArray, pOff: number, g: MtaArray, gOff: number, n: number, dst: MtaArray, dstOff: number): void {
  let count = 0;
  let sum = 0;
  for (let c = 0; c < n; c++) {
    if (p[pOff + c] > 0) {
      count++;
      sum += g[gOff + c];
    }
  }
  const mean = count > 0 ? sum / count : 0;
  for (let c = 0; c < n; c++) dst[dstOff + c] = p[pOff + c] > 0 ? g[gOff + c] - mean : 0;
}
