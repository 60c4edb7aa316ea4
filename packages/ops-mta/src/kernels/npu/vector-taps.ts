/**
 * MTA's convolution taps: fused vector instructions of the transposed and direct K-tap convolutions the band
 * kernels run on ring rows. They are instructions of the op family, not of the device: each is built on the
 * vector unit's extension points (`arenaIndex` validates a range of a live float32 UB buffer, `count` adds
 * the repeats the op costs), so it is checked and counted exactly like the built-in ISA: every operand starts
 * on a 32-byte block, and the tap step and the row strides are whole blocks (`assertRowStride`). A tap shifted
 * by a few elements therefore cannot be read in place: the band kernels realign each shift into a row of
 * its own with `gather` and pass the taps as rows `step` apart.
 *
 * Arithmetic. The convolution (axpy) part is float32, as on the hardware, whose vector unit computes in
 * float32: a k-tap row is k axpy instructions in tap order, so for q = 0 .. k-1 each destination element gets
 * d = f32(d + f32(w_q * r_q)), the weight rounded to float32 first (`fr` below). Multiply and add are rounded
 * separately, never fused, so the result is the same on every engine: the wasm loops (wasm/taps.wat, f32x4.mul
 * then f32x4.add) and these JavaScript loops give the same bits (float32 + and * computed in float64 and then
 * rounded are correctly rounded float32 operations). The dot products (dotTaps, and the `out` sums of
 * axpyDotTaps / axpyDotTapsMulti) feed the weight gradient and stay float64, each summed over t in order:
 * issue 16 requires the weight and bias gradient sums in float64 (or compensated).
 */
import type { UbBuf, VectorUnit } from '@mta/device-npu';
import { tapsDotRowF64, tapsRowF64 } from './vector-taps-f64.js';
import { SUMS_AT, type WasmTaps, wasmTaps } from './vector-taps-wasm.js';

/** Rounds to float32: the vector unit's registers and results are float32 (see the top of the file). */
const fr = Math.fround;

let float64Taps = false;

/**
 * Run the taps with their arithmetic from before the float32 taps (vector-taps-f64.ts: float64 per element,
 * JavaScript, this thread only) or back with the float32 taps; returns the previous setting. For the
 * npu-counters test, which holds the simulator to output bits captured with the old arithmetic.
 */
export function setFloat64Taps(on: boolean): boolean {
  const was = float64Taps;
  float64Taps = on;
  return was;
}

/**
 * dst[t] += sum_q w[q] * src[sOff + t + q * step] for t < n, q < k: one row of a 1-D convolution with k taps
 * (a weight row of the kernel), fused so dst is read and written once. `step` may be negative. Float32, one
 * rounded axpy per tap in order (the top of the file).
 */
export function axpyTaps(v: VectorUnit, dst: UbBuf, dOff: number, src: UbBuf, sOff: number, step: number, w: Float64Array, k: number, n: number): void {
  if (n === 0 || k === 0) return;
  const d = v.arenaIndex('axpyTaps', dst, dOff, n);
  const lo = Math.min(sOff, sOff + (k - 1) * step);
  v.arenaIndex('axpyTaps', src, lo, n + Math.abs((k - 1) * step));
  if (k > 1) v.assertRowStride('axpyTaps', src, step);
  (float64Taps ? tapsRowF64 : tapsRow)(v.arena, d, src.offset + sOff, step, w, 0, k, n);
  v.count(n, k);
}

/** out[q] = sum_t x[xOff + t] * y[yOff + t + q * step] for q < k: k shifted dot products in one pass. */
export function dotTaps(v: VectorUnit, x: UbBuf, xOff: number, y: UbBuf, yOff: number, step: number, k: number, n: number, out: Float64Array): void {
  out.fill(0, 0, k);
  if (n === 0 || k === 0) return;
  const i = v.arenaIndex('dotTaps', x, xOff, n);
  const lo = Math.min(yOff, yOff + (k - 1) * step);
  v.arenaIndex('dotTaps', y, lo, n + Math.abs((k - 1) * step));
  if (k > 1) v.assertRowStride('dotTaps', y, step);
  const j = y.offset + yOff;
  const a = v.arena;
  if (k === 3) {
    const j1 = j + step, j2 = j + 2 * step;
    let s0 = 0, s1 = 0, s2 = 0;
    for (let t = 0; t < n; t++) {
      const xv = a[i + t]!;
      s0 += xv * a[j + t]!;
      s1 += xv * a[j1 + t]!;
      s2 += xv * a[j2 + t]!;
    }
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
  } else {
    for (let q = 0; q < k; q++) {
      const jq = j + q * step;
      let sq = 0;
      for (let t = 0; t < n; t++) sq += a[i + t]! * a[jq + t]!;
      out[q] = sq;
    }
  }
  v.count(n, 2 * k);
}

/**
 * The two uses of one ring row in a transposed convolution, fused into one pass over it:
 * dst[t] += sum_q w[q] * src[sOff + t + q * step]   and   out[q] = sum_t x[xOff + t] * src[sOff + t + q * step],
 * the first in float32 as axpyTaps, the sums in float64.
 */
export function axpyDotTaps(v: VectorUnit, dst: UbBuf, dOff: number, src: UbBuf, sOff: number, step: number, w: Float64Array, k: number, n: number, x: UbBuf, xOff: number, out: Float64Array): void {
  out.fill(0, 0, k);
  if (n === 0 || k === 0) return;
  const d = v.arenaIndex('axpyDotTaps', dst, dOff, n);
  const xi = v.arenaIndex('axpyDotTaps', x, xOff, n);
  const lo = Math.min(sOff, sOff + (k - 1) * step);
  v.arenaIndex('axpyDotTaps', src, lo, n + Math.abs((k - 1) * step));
  if (k > 1) v.assertRowStride('axpyDotTaps', src, step);
  (float64Taps ? tapsDotRowF64 : tapsDotRow)(v.arena, d, src.offset + sOff, step, w, 0, k, n, xi, out);
  v.count(n, 3 * k);
}

/**
 * One source row feeding m destination rows (dst row j starts at dOff + j * dStride), each with its own
 * k taps w[j * k + q]: the m calls axpyTaps(dst, dOff + j * dStride, src, sOff, step, w_j, k, n) fused so
 * the source row is read once. Every destination gets exactly the arithmetic of its own axpyTaps call,
 * and the op counts the same repeats as the m calls. Destinations must not overlap the source.
 */
export function axpyTapsMulti(v: VectorUnit, dst: UbBuf, dOff: number, dStride: number, m: number, src: UbBuf, sOff: number, step: number, w: Float64Array, k: number, n: number): void {
  if (n === 0 || k === 0 || m === 0) return;
  const d = v.arenaIndex('axpyTapsMulti', dst, dOff, (m - 1) * dStride + n);
  const lo = Math.min(sOff, sOff + (k - 1) * step);
  const span = n + Math.abs((k - 1) * step);
  const sLo = v.arenaIndex('axpyTapsMulti', src, lo, span);
  if (k > 1) v.assertRowStride('axpyTapsMulti', src, step);
  if (m > 1) v.assertRowStride('axpyTapsMulti', dst, dStride);
  v.assertDisjoint('axpyTapsMulti', dst, d, (m - 1) * dStride + n, sLo, span);
  const s = src.offset + sOff;
  const a = v.arena;
  if (float64Taps) {
    for (let j = 0; j < m; j++) tapsRowF64(a, d + j * dStride, s, step, w, j * k, k, n);
    v.count(n, k * m);
    return;
  }
  const wt = k === 3 ? wasmTaps(v) : null;
  if (wt) {
    tapsMultiWasm(wt, d, dStride, m, s, step, w, n);
    v.count(n, k * m);
    return;
  }
  let j = 0;
  if (k === 3) {
    const s1 = s + step, s2 = s + 2 * step;
    for (; j + 4 <= m; j += 4) {
      const d0 = d + j * dStride, d1 = d0 + dStride, d2 = d1 + dStride, d3 = d2 + dStride;
      const wj = j * 3;
      const a0 = fr(w[wj]!), a1 = fr(w[wj + 1]!), a2 = fr(w[wj + 2]!), b0 = fr(w[wj + 3]!), b1 = fr(w[wj + 4]!), b2 = fr(w[wj + 5]!);
      const c0 = fr(w[wj + 6]!), c1 = fr(w[wj + 7]!), c2 = fr(w[wj + 8]!), e0 = fr(w[wj + 9]!), e1 = fr(w[wj + 10]!), e2 = fr(w[wj + 11]!);
      for (let t = 0; t < n; t++) {
        const r0 = a[s + t]!, r1 = a[s1 + t]!, r2 = a[s2 + t]!;
        // One rounded axpy per tap, in tap order; the store rounds the last sum.
        a[d0 + t] = fr(fr(a[d0 + t]! + fr(a0 * r0)) + fr(a1 * r1)) + fr(a2 * r2);
        a[d1 + t] = fr(fr(a[d1 + t]! + fr(b0 * r0)) + fr(b1 * r1)) + fr(b2 * r2);
        a[d2 + t] = fr(fr(a[d2 + t]! + fr(c0 * r0)) + fr(c1 * r1)) + fr(c2 * r2);
        a[d3 + t] = fr(fr(a[d3 + t]! + fr(e0 * r0)) + fr(e1 * r1)) + fr(e2 * r2);
      }
    }
    for (; j + 2 <= m; j += 2) {
      const d0 = d + j * dStride, d1 = d0 + dStride;
      const wj = j * 3;
      const a0 = fr(w[wj]!), a1 = fr(w[wj + 1]!), a2 = fr(w[wj + 2]!), b0 = fr(w[wj + 3]!), b1 = fr(w[wj + 4]!), b2 = fr(w[wj + 5]!);
      for (let t = 0; t < n; t++) {
        const r0 = a[s + t]!, r1 = a[s1 + t]!, r2 = a[s2 + t]!;
        a[d0 + t] = fr(fr(a[d0 + t]! + fr(a0 * r0)) + fr(a1 * r1)) + fr(a2 * r2);
        a[d1 + t] = fr(fr(a[d1 + t]! + fr(b0 * r0)) + fr(b1 * r1)) + fr(b2 * r2);
      }
    }
  }
  for (; j < m; j++) {
    // Remaining rows (or k != 3): the single-row loops, the same arithmetic as axpyTaps.
    tapsRow(a, d + j * dStride, s, step, w, j * k, k, n);
  }
  v.count(n, k * m);
}

/** axpyTapsMulti's k = 3 rows in wasm: four, then two, then one at a time, as the JavaScript loop groups them. */
function tapsMultiWasm(wt: WasmTaps, d: number, dStride: number, m: number, s: number, step: number, w: Float64Array, n: number): void {
  const f = wt.f64;
  const base = wt.base;
  let j = 0;
  for (; j < m;) {
    const rows = j + 4 <= m ? 4 : j + 2 <= m ? 2 : 1;
    for (let q = 0; q < 3 * rows; q++) f[q] = w[3 * j + q]!;
    const at = base + 4 * (d + j * dStride);
    if (rows === 4) wt.k.fwd3x4(at, 4 * dStride, base + 4 * s, 4 * step, n, wt.scr);
    else if (rows === 2) wt.k.fwd3x2(at, 4 * dStride, base + 4 * s, 4 * step, n, wt.scr);
    else wt.k.fwd3x1(at, 0, base + 4 * s, 4 * step, n, wt.scr);
    j += rows;
  }
}

/**
 * One destination row += k taps of the source row, taps w[wOff .. wOff + k): per element, one rounded float32
 * axpy per tap in tap order (the Float32Array store rounds each sum). k = 3 keeps the element in a register
 * across its taps; any other k runs tap by tap over the row, which is the same order per element.
 */
function tapsRow(a: Float32Array, d: number, s: number, step: number, w: Float64Array, wOff: number, k: number, n: number): void {
  if (k === 3) {
    const w0 = fr(w[wOff]!), w1 = fr(w[wOff + 1]!), w2 = fr(w[wOff + 2]!);
    const s1 = s + step, s2 = s + 2 * step;
    for (let t = 0; t < n; t++) a[d + t] = fr(fr(a[d + t]! + fr(w0 * a[s + t]!)) + fr(w1 * a[s1 + t]!)) + fr(w2 * a[s2 + t]!);
  } else {
    for (let q = 0; q < k; q++) {
      const wq = fr(w[wOff + q]!);
      const sq = s + q * step;
      for (let t = 0; t < n; t++) a[d + t] += fr(wq * a[sq + t]!);
    }
  }
}

/**
 * The fused transposed-convolution step of axpyDotTaps for m (destination, operand) row pairs sharing one
 * source row: for j < m, dst row j (at dOff + j * dStride) += taps w[j * k + q] of src, and
 * out[j * k + q] = sum_t x[xOff + j * xStride + t] * src[sOff + t + q * step]. Each row pair gets exactly
 * the arithmetic of its own axpyDotTaps call (same summation order), and the op counts the same repeats.
 * Destinations must not overlap the source or the operands.
 */
export function axpyDotTapsMulti(
  v: VectorUnit, dst: UbBuf, dOff: number, dStride: number, m: number, src: UbBuf, sOff: number, step: number, w: Float64Array, k: number, n: number,
  x: UbBuf, xOff: number, xStride: number, out: Float64Array,
): void {
  out.fill(0, 0, m * k);
  if (n === 0 || k === 0 || m === 0) return;
  const dSpan = (m - 1) * dStride + n;
  const d = v.arenaIndex('axpyDotTapsMulti', dst, dOff, dSpan);
  const xi = v.arenaIndex('axpyDotTapsMulti', x, xOff, (m - 1) * xStride + n);
  const lo = Math.min(sOff, sOff + (k - 1) * step);
  const span = n + Math.abs((k - 1) * step);
  const sLo = v.arenaIndex('axpyDotTapsMulti', src, lo, span);
  if (k > 1) v.assertRowStride('axpyDotTapsMulti', src, step);
  if (m > 1) {
    v.assertRowStride('axpyDotTapsMulti', dst, dStride);
    v.assertRowStride('axpyDotTapsMulti', x, xStride);
  }
  v.assertDisjoint('axpyDotTapsMulti', dst, d, dSpan, sLo, span);
  v.assertDisjoint('axpyDotTapsMulti', dst, d, dSpan, xi, (m - 1) * xStride + n);
  const s = src.offset + sOff;
  const a = v.arena;
  if (float64Taps) {
    for (let j = 0; j < m; j++) tapsDotRowF64(a, d + j * dStride, s, step, w, j * k, k, n, xi + j * xStride, out);
    v.count(n, 3 * k * m);
    return;
  }
  let j = 0;
  const wt = k === 3 ? wasmTaps(v) : null;
  if (wt) {
    // Row pairs in wasm (the JavaScript loop's pairs); an odd last row runs the JavaScript row below.
    const f = wt.f64;
    const base = wt.base;
    for (; j + 2 <= m; j += 2) {
      const wj = j * 3;
      for (let q = 0; q < 6; q++) f[q] = w[wj + q]!;
      wt.k.bwd3x2(base + 4 * (d + j * dStride), 4 * dStride, base + 4 * s, 4 * step, n, base + 4 * (xi + j * xStride), 4 * xStride, wt.scr);
      for (let q = 0; q < 6; q++) out[wj + q] = f[SUMS_AT + q]!;
    }
  } else if (k === 3) {
    const s1 = s + step, s2 = s + 2 * step;
    for (; j + 2 <= m; j += 2) {
      const d0 = d + j * dStride, d1 = d0 + dStride;
      const x0 = xi + j * xStride, x1 = x0 + xStride;
      const wj = j * 3;
      const a0 = fr(w[wj]!), a1 = fr(w[wj + 1]!), a2 = fr(w[wj + 2]!), b0 = fr(w[wj + 3]!), b1 = fr(w[wj + 4]!), b2 = fr(w[wj + 5]!);
      let p0 = 0, p1 = 0, p2 = 0, q0 = 0, q1 = 0, q2 = 0;
      for (let t = 0; t < n; t++) {
        const r0 = a[s + t]!, r1 = a[s1 + t]!, r2 = a[s2 + t]!;
        const xa = a[x0 + t]!, xb = a[x1 + t]!;
        // float32 taps as tapsRow; the sums below in float64.
        a[d0 + t] = fr(fr(a[d0 + t]! + fr(a0 * r0)) + fr(a1 * r1)) + fr(a2 * r2);
        a[d1 + t] = fr(fr(a[d1 + t]! + fr(b0 * r0)) + fr(b1 * r1)) + fr(b2 * r2);
        p0 += xa * r0;
        p1 += xa * r1;
        p2 += xa * r2;
        q0 += xb * r0;
        q1 += xb * r1;
        q2 += xb * r2;
      }
      out[wj] = p0;
      out[wj + 1] = p1;
      out[wj + 2] = p2;
      out[wj + 3] = q0;
      out[wj + 4] = q1;
      out[wj + 5] = q2;
    }
  }
  for (; j < m; j++) tapsDotRow(a, d + j * dStride, s, step, w, j * k, k, n, xi + j * xStride, out);
  v.count(n, 3 * k * m);
}

/** tapsRow's float32 taps and, fused into the same pass, the k float64 sums out[wOff + q] = sum_t x[t] * src_q[t]. */
function tapsDotRow(a: Float32Array, d: number, s: number, step: number, w: Float64Array, wOff: number, k: number, n: number, xi: number, out: Float64Array): void {
  if (k === 3) {
    const w0 = fr(w[wOff]!), w1 = fr(w[wOff + 1]!), w2 = fr(w[wOff + 2]!);
    const s1 = s + step, s2 = s + 2 * step;
    let o0 = 0, o1 = 0, o2 = 0;
    for (let t = 0; t < n; t++) {
      const r0 = a[s + t]!, r1 = a[s1 + t]!, r2 = a[s2 + t]!;
      const xv = a[xi + t]!;
      a[d + t] = fr(fr(a[d + t]! + fr(w0 * r0)) + fr(w1 * r1)) + fr(w2 * r2);
      o0 += xv * r0;
      o1 += xv * r1;
      o2 += xv * r2;
    }
    out[wOff] = o0;
    out[wOff + 1] = o1;
    out[wOff + 2] = o2;
  } else {
    for (let q = 0; q < k; q++) {
      const wq = fr(w[wOff + q]!);
      const sq = s + q * step;
      let oq = 0;
      for (let t = 0; t < n; t++) {
        const r = a[sq + t]!;
        a[d + t] += fr(wq * r);
        oq += a[xi + t]! * r;
      }
      out[wOff + q] = oq;
    }
  }
}

