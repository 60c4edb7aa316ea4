/**
 * Sparsemax threshold without sorting and without holding the row: tau is the root of
 *   f(t) = sum_j max(z_j - t, 0) - 1,
 * which is decreasing and piecewise linear, with max(z) - 1 <= tau < max(z); the search runs on z - max(z), where -1 <= tau < 0. Each pass over the row
 * (one sweep over its blocks) evaluates S(t) = sum of z > t and C(t) = count of z > t at a few thresholds
 * at once: a Michelot step t' = (S(lo) - 1) / C(lo) from the best lower bound lo (always lo <= t' <= tau),
 * and bisection points between t' and the upper bound. The search ends exactly:
 * - when the Michelot step keeps the support (C(t') = C(lo)), t' is tau: the support {z > tau} is known
 *   and tau = (sum over it - 1) / its size;
 * - when no element lies in (lo, hi], the support is {z > lo} and tau = (S(lo) - 1) / C(lo).
 */
import { SPARSEMAX_CANDIDATES } from './planner.js';

/** Adds S(t) and C(t) for each of the first k thresholds into sums / counts (which the caller zeroed). */
export type ThresholdEvaluator = (taus: Float64Array, k: number, sums: Float64Array, counts: Float64Array) => void;

const MAX_PASSES = 200;

export class SparsemaxTauSearch {
  private readonly taus = new Float64Array(SPARSEMAX_CANDIDATES);
  private readonly sums = new Float64Array(SPARSEMAX_CANDIDATES);
  private readonly counts = new Float64Array(SPARSEMAX_CANDIDATES);
  /** Passes used by the last search (for tests and the explain notes). */
  lastPasses = 0;

  /**
   * tau of the row shifted by its maximum (so -1 <= tau < 0): `evaluate` must sweep the row once per call
   * and count the elements with z - max > t (thresholdStats with shift = max); the output is
   * max(z - max - tau, 0) (reluShift with the same shift). Working relative to the maximum keeps the
   * thresholds small: at |max| >= 2^53, max - 1 == max and the unshifted search found no support (NaN rows).
   * A row whose maximum is NaN or infinite (a NaN or +Inf score, or every score -Inf) gets NaN: the whole
   * row is NaN, as on the cpu.
   */
  find(max: number, evaluate: ThresholdEvaluator): number {
    const K = SPARSEMAX_CANDIDATES;
    const { taus, sums, counts } = this;
    if (!Number.isFinite(max)) {
      this.lastPasses = 0;
      return NaN;
    }
    let lo = -1;
    let hi = 0;
    let sLo = 0;
    let cLo = 0;
    let loKnown = false;
    for (let pass = 1; pass <= MAX_PASSES; pass++) {
      this.lastPasses = pass;
      const start = loKnown ? (sLo - 1) / cLo : lo;
      const isMichelot = loKnown;
      taus[0] = start;
      for (let q = 1; q < K; q++) taus[q] = start + ((hi - start) * q) / K;
      sums.fill(0);
      counts.fill(0);
      evaluate(taus, K, sums, counts);
      if (isMichelot) {
        // Same support as lo: t' is exact. f(t') < 0 can only be rounding at the root itself.
        if (counts[0] === cLo || sums[0]! - counts[0]! * taus[0]! - 1 < 0) return taus[0]!;
      }
      let newHiIdx = -1;
      for (let q = 0; q < K; q++) {
        const f = sums[q]! - counts[q]! * taus[q]! - 1;
        // The first candidate is a proven lower bound (max - 1, or a Michelot step checked above).
        if (f >= 0 || q === 0) {
          lo = taus[q]!;
          sLo = sums[q]!;
          cLo = counts[q]!;
          loKnown = true;
        } else {
          newHiIdx = q;
          break;
        }
      }
      if (newHiIdx >= 0) {
        hi = taus[newHiIdx]!;
        if (loKnown && counts[newHiIdx] === cLo) return (sLo - 1) / cLo;
      }
    }
    throw new Error(`sparsemax: threshold search did not converge in ${MAX_PASSES} passes (row max ${max})`);
  }
}
