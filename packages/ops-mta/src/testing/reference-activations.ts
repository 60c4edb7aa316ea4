/**
 * Float64 references for the row activations, written from their definitions and sharing no code with the
 * kernels, for tests in every package to compare against. Both are shift-invariant and shift by the row
 * maximum first, so scores of any finite size (1e16 and beyond) stay exact; -Infinity entries (masked
 * scores) get probability 0.
 */

/** Softmax of one row: exp(x - max) / sum. */
export function softmaxReference(row: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(row);
  let max = Number.NEGATIVE_INFINITY;
  for (const v of x) max = Math.max(max, v);
  const e = x.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/**
 * Sparsemax of one row (Martins & Astudillo 2016), the sort-based form: with z sorted descending and
 * cs its cumulative sum, the support is every r with 1 + r z_r > cs_r, tau = (cs_k - 1) / k over the
 * largest such k, and p = max(z - tau, 0).
 */
export function sparsemaxReference(row: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(row);
  let max = Number.NEGATIVE_INFINITY;
  for (const v of x) max = Math.max(max, v);
  const z = x.map((v) => v - max);
  const sorted = Array.from(z).sort((a, b) => b - a);
  let cumsum = 0;
  let k = 0;
  let supportSum = 0;
  sorted.forEach((v, r) => {
    cumsum += v;
    if (1 + (r + 1) * v > cumsum) {
      k = r + 1;
      supportSum = cumsum;
    }
  });
  const tau = (supportSum - 1) / k;
  return z.map((v) => Math.max(v - tau, 0));
}
