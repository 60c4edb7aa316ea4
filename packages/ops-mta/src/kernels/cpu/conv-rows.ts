/**
 * Inner loops of the fused convolution, one output (or gradient) row at a time.
 *
 * Inputs are zero-padded float64 ring rows (see forward-item.ts / backward-item.ts): the padding and
 * the causal zeros are real zeros in the row, so these loops have no bounds tests and no per-tap
 * branches; the caller only passes n = i + 1 (the unmasked length). Everything is Float64Array so the
 * JIT keeps one monomorphic version. Weights are read into locals once per call.
 */

/**
 * Forward, 3x3 kernel, column dilation 1, all three input rows present:
 * acc[j] += sum_{kh,kw} w[wo + 3kh + kw] * x[o_kh + j + kw] for j < n.
 */
export function convRows3x3(acc: Float64Array, x: Float64Array, o0: number, o1: number, o2: number, w: Float64Array, wo: number, n: number): void {
  const w00 = w[wo], w01 = w[wo + 1], w02 = w[wo + 2];
  const w10 = w[wo + 3], w11 = w[wo + 4], w12 = w[wo + 5];
  const w20 = w[wo + 6], w21 = w[wo + 7], w22 = w[wo + 8];
  // Sliding window: one new load per input row per output column.
  let a0 = x[o0], a1 = x[o0 + 1];
  let b0 = x[o1], b1 = x[o1 + 1];
  let c0 = x[o2], c1 = x[o2 + 1];
  for (let j = 0; j < n; j++) {
    const a2 = x[o0 + j + 2], b2 = x[o1 + j + 2], c2 = x[o2 + j + 2];
    // Pairwise sums shorten the add chain; the order is fixed, so results are deterministic.
    acc[j] += ((w00 * a0 + w01 * a1) + (w02 * a2 + w10 * b0)) + ((w11 * b1 + w12 * b2) + (w20 * c0 + w21 * c1)) + w22 * c2;
    a0 = a1; a1 = a2;
    b0 = b1; b1 = b2;
    c0 = c1; c1 = c2;
  }
}

/** Forward, one input row, 3 taps, column dilation 1: acc[j] += sum_kw w[wo + kw] * x[o + j + kw]. */
export function convRow3(acc: Float64Array, x: Float64Array, o: number, w: Float64Array, wo: number, n: number): void {
  const w0 = w[wo], w1 = w[wo + 1], w2 = w[wo + 2];
  let a0 = x[o], a1 = x[o + 1];
  for (let j = 0; j < n; j++) {
    const a2 = x[o + j + 2];
    acc[j] += (w0 * a0 + w1 * a1) + w2 * a2;
    a0 = a1; a1 = a2;
  }
}

/** Forward, one input row, any kW and column dilation: acc[j] += sum_kw w[wo + kw] * x[o + j + kw*dw]. */
export function convRowGeneric(acc: Float64Array, x: Float64Array, o: number, w: Float64Array, wo: number, kW: number, dw: number, n: number): void {
  for (let kw = 0; kw < kW; kw++) {
    const wk = w[wo + kw];
    const ok = o + kw * dw;
    for (let j = 0; j < n; j++) acc[j] += wk * x[ok + j];
  }
}

/**
 * Backward, one gradient row, 3 taps, column dilation 1. The gradient row g is padded so that the
 * output column j = c + left - kw sits at g[go + c + 2 - kw]. In one pass over c < n:
 *   dp[c] += sum_kw w[wo + kw] * g[go + c + 2 - kw]          (transposed convolution)
 *   dW[dWo + kw] += sum_c x[c] * g[go + c + 2 - kw]           (weight gradient, float64)
 */
export function gradRow3(dp: Float64Array, g: Float64Array, go: number, x: Float64Array, w: Float64Array, wo: number, dW: Float64Array, dWo: number, n: number): void {
  const w0 = w[wo], w1 = w[wo + 1], w2 = w[wo + 2];
  let s0 = 0, s1 = 0, s2 = 0;
  let g0 = g[go], g1 = g[go + 1];
  for (let c = 0; c < n; c++) {
    const g2 = g[go + c + 2];
    const xc = x[c];
    dp[c] += (w0 * g2 + w1 * g1) + w2 * g0;
    s0 += xc * g2;
    s1 += xc * g1;
    s2 += xc * g0;
    g0 = g1; g1 = g2;
  }
  dW[dWo] += s0;
  dW[dWo + 1] += s1;
  dW[dWo + 2] += s2;
}

/** gradRow3 for any kW and column dilation: tap kw reads g[go + c + (kW - 1 - kw) * dw]. */
export function gradRowGeneric(
  dp: Float64Array, g: Float64Array, go: number, x: Float64Array, w: Float64Array, wo: number,
  dW: Float64Array, dWo: number, kW: number, dw: number, n: number,
): void {
  for (let kw = 0; kw < kW; kw++) {
    const wk = w[wo + kw];
    const ok = go + (kW - 1 - kw) * dw;
    let s = 0;
    for (let c = 0; c < n; c++) {
      const gv = g[ok + c];
      dp[c] += wk * gv;
      s += x[c] * gv;
    }
    dW[dWo + kw] += s;
  }
}
