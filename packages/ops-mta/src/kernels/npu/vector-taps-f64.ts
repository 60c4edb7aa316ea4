/**
 * The taps' arithmetic before issue 16 made their convolution part float32 (vector-taps.ts): per destination
 * element the k products and their sum in float64, rounded to float32 once (k = 1, 2, 3), or one float64
 * product added and rounded per tap (other k). Sums as now. Not a model of the hardware: it is kept so the
 * npu-counters test can still hold the whole simulator to the fixture captured before (test/fixtures/
 * npu-counters.json, counters and output bits): with it on, every output is the old bits, which shows the
 * float32 taps changed nothing but the taps' own arithmetic. JavaScript only, on the calling thread (a core
 * pool's workers keep the float32 taps), selected by vector-taps.ts's setFloat64Taps.
 */

/** dst row += taps w[wOff .. wOff + k) of the source row, float64 per element (see the top of the file). */
export function tapsRowF64(a: Float32Array, d: number, s: number, step: number, w: Float64Array, wOff: number, k: number, n: number): void {
  if (k === 1) {
    const w0 = w[wOff]!;
    for (let t = 0; t < n; t++) a[d + t] += w0 * a[s + t]!;
  } else if (k === 2) {
    const w0 = w[wOff]!, w1 = w[wOff + 1]!;
    const s1 = s + step;
    for (let t = 0; t < n; t++) a[d + t] += w0 * a[s + t]! + w1 * a[s1 + t]!;
  } else if (k === 3) {
    const w0 = w[wOff]!, w1 = w[wOff + 1]!, w2 = w[wOff + 2]!;
    const s1 = s + step, s2 = s + 2 * step;
    for (let t = 0; t < n; t++) a[d + t] += w0 * a[s + t]! + w1 * a[s1 + t]! + w2 * a[s2 + t]!;
  } else {
    for (let q = 0; q < k; q++) {
      const wq = w[wOff + q]!;
      const sq = s + q * step;
      for (let t = 0; t < n; t++) a[d + t] += wq * a[sq + t]!;
    }
  }
}

/** tapsRowF64 and the k float64 sums out[wOff + q] = sum_t x[t] * src_q[t] in one pass. */
export function tapsDotRowF64(a: Float32Array, d: number, s: number, step: number, w: Float64Array, wOff: number, k: number, n: number, xi: number, out: Float64Array): void {
  if (k === 3) {
    const w0 = w[wOff]!, w1 = w[wOff + 1]!, w2 = w[wOff + 2]!;
    const s1 = s + step, s2 = s + 2 * step;
    let o0 = 0, o1 = 0, o2 = 0;
    for (let t = 0; t < n; t++) {
      const r0 = a[s + t]!, r1 = a[s1 + t]!, r2 = a[s2 + t]!;
      const xv = a[xi + t]!;
      a[d + t] += w0 * r0 + w1 * r1 + w2 * r2;
      o0 += xv * r0;
      o1 += xv * r1;
      o2 += xv * r2;
    }
    out[wOff] = o0;
    out[wOff + 1] = o1;
    out[wOff + 2] = o2;
  } else {
    for (let q = 0; q < k; q++) {
      const wq = w[wOff + q]!;
      const sq = s + q * step;
      let oq = 0;
      for (let t = 0; t < n; t++) {
        const r = a[sq + t]!;
        a[d + t] += wq * r;
        oq += a[xi + t]! * r;
      }
      out[wOff + q] = oq;
    }
  }
}
