/**
 * Vector instructions of one core, operating on float32 UB buffers (plus casts to and from half buffers).
 * Each op is one typed-array loop over the UB arena: no per-element calls. Every op checks that its
 * ranges lie inside live buffers of this core's UB, and counts its work for the roofline estimate:
 * a vector op over n float32 elements costs ceil(n * 4 / vectorBytesPerCycle) repeats (cycles).
 * Reductions return a JS number accumulated in double precision; the hardware reduces pairwise in
 * float32 (error ~ log2(n) ulps), a difference far below the 1e-5 tolerance this project tests against.
 */
import { type NpuDType, decodeHalf, encodeHalf } from './dtype.js';
import { NpuAccessError } from './errors.js';
import type { UbBuf, UnifiedBuffer } from './ub.js';

export interface VectorCounters {
  /** Element operations (an op over n elements adds n; exp adds n too). */
  elemOps: number;
  /** Vector repeats (cycles at one repeat per cycle). */
  repeats: number;
  /** Scalar-unit reads/writes of single UB elements. */
  scalarOps: number;
}

export class VectorUnit {
  private readonly a: Float32Array;
  private readonly h: Uint16Array;
  private readonly lanes: number;
  readonly counters: VectorCounters = { elemOps: 0, repeats: 0, scalarOps: 0 };

  constructor(
    private readonly ub: UnifiedBuffer,
    vectorBytesPerCycle: number,
    private readonly kernelName: () => string,
  ) {
    this.a = ub.f32;
    this.h = ub.u16;
    this.lanes = Math.max(1, Math.floor(vectorBytesPerCycle / 4));
  }

  resetCounters(): void {
    this.counters.elemOps = 0;
    this.counters.repeats = 0;
    this.counters.scalarOps = 0;
  }

  private fail(op: string, buf: UbBuf, off: number, n: number, why: string): never {
    throw new NpuAccessError(
      `vector op '${op}' in kernel '${this.kernelName()}' on UB buffer '${buf.name}' [${off}, ${off + n}) of ${buf.elems}: ${why}`,
    );
  }

  /** Validate a float32 range and return its arena index. */
  private at(op: string, buf: UbBuf, off: number, n: number): number {
    if (buf.owner !== this.ub || !buf.live) this.fail(op, buf, off, n, 'buffer is not live in this core\'s UB');
    if (buf.dtype !== 'float32') this.fail(op, buf, off, n, `arithmetic needs a float32 buffer, this one is ${buf.dtype}; cast() first`);
    if (!(off >= 0 && n >= 0 && off + n <= buf.elems) || !Number.isInteger(off) || !Number.isInteger(n)) {
      this.fail(op, buf, off, n, 'range outside the buffer');
    }
    return buf.offset + off;
  }

  private count(n: number, passes = 1): void {
    this.counters.elemOps += n * passes;
    this.counters.repeats += Math.ceil(n / this.lanes) * passes;
  }

  fill(buf: UbBuf, off: number, n: number, value: number): void {
    if (n === 0) return;
    const i = this.at('fill', buf, off, n);
    this.a.fill(value, i, i + n);
    this.count(n);
  }

  copy(dst: UbBuf, dOff: number, src: UbBuf, sOff: number, n: number): void {
    if (n === 0) return;
    const d = this.at('copy', dst, dOff, n);
    const s = this.at('copy', src, sOff, n);
    this.a.copyWithin(d, s, s + n);
    this.count(n);
  }

  /** dst += alpha * src */
  axpy(dst: UbBuf, dOff: number, src: UbBuf, sOff: number, alpha: number, n: number): void {
    if (n === 0) return;
    const d = this.at('axpy', dst, dOff, n);
    const s = this.at('axpy', src, sOff, n);
    const a = this.a;
    for (let k = 0; k < n; k++) a[d + k] += alpha * a[s + k]!;
    this.count(n);
  }

  /**
   * dst[t] += sum_q w[q] * src[sOff + t + q * step] for t < n, q < k: one row of a 1-D convolution with k taps
   * (a weight row of the kernel), fused so dst is read and written once. `step` may be negative.
   */
  axpyTaps(dst: UbBuf, dOff: number, src: UbBuf, sOff: number, step: number, w: Float64Array, k: number, n: number): void {
    if (n === 0 || k === 0) return;
    const d = this.at('axpyTaps', dst, dOff, n);
    const lo = Math.min(sOff, sOff + (k - 1) * step);
    this.at('axpyTaps', src, lo, n + Math.abs((k - 1) * step));
    const s = src.offset + sOff;
    const a = this.a;
    if (k === 1) {
      const w0 = w[0]!;
      for (let t = 0; t < n; t++) a[d + t] += w0 * a[s + t]!;
    } else if (k === 2) {
      const w0 = w[0]!, w1 = w[1]!;
      const s1 = s + step;
      for (let t = 0; t < n; t++) a[d + t] += w0 * a[s + t]! + w1 * a[s1 + t]!;
    } else if (k === 3) {
      const w0 = w[0]!, w1 = w[1]!, w2 = w[2]!;
      const s1 = s + step, s2 = s + 2 * step;
      for (let t = 0; t < n; t++) a[d + t] += w0 * a[s + t]! + w1 * a[s1 + t]! + w2 * a[s2 + t]!;
    } else {
      for (let q = 0; q < k; q++) {
        const wq = w[q]!;
        const sq = s + q * step;
        for (let t = 0; t < n; t++) a[d + t] += wq * a[sq + t]!;
      }
    }
    this.count(n, k);
  }

  /** out[q] = sum_t x[xOff + t] * y[yOff + t + q * step] for q < k: k shifted dot products in one pass. */
  dotTaps(x: UbBuf, xOff: number, y: UbBuf, yOff: number, step: number, k: number, n: number, out: Float64Array): void {
    out.fill(0, 0, k);
    if (n === 0 || k === 0) return;
    const i = this.at('dotTaps', x, xOff, n);
    const lo = Math.min(yOff, yOff + (k - 1) * step);
    this.at('dotTaps', y, lo, n + Math.abs((k - 1) * step));
    const j = y.offset + yOff;
    const a = this.a;
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
    this.count(n, 2 * k);
  }

  /**
   * The two uses of one ring row in a transposed convolution, fused into one pass over it:
   * dst[t] += sum_q w[q] * src[sOff + t + q * step]   and   out[q] = sum_t x[xOff + t] * src[sOff + t + q * step].
   */
  axpyDotTaps(dst: UbBuf, dOff: number, src: UbBuf, sOff: number, step: number, w: Float64Array, k: number, n: number, x: UbBuf, xOff: number, out: Float64Array): void {
    out.fill(0, 0, k);
    if (n === 0 || k === 0) return;
    const d = this.at('axpyDotTaps', dst, dOff, n);
    const xi = this.at('axpyDotTaps', x, xOff, n);
    const lo = Math.min(sOff, sOff + (k - 1) * step);
    this.at('axpyDotTaps', src, lo, n + Math.abs((k - 1) * step));
    const s = src.offset + sOff;
    const a = this.a;
    if (k === 3) {
      const w0 = w[0]!, w1 = w[1]!, w2 = w[2]!;
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
      out[0] = o0;
      out[1] = o1;
      out[2] = o2;
    } else {
      for (let q = 0; q < k; q++) {
        const wq = w[q]!;
        const sq = s + q * step;
        let oq = 0;
        for (let t = 0; t < n; t++) {
          const r = a[sq + t]!;
          a[d + t] += wq * r;
          oq += a[xi + t]! * r;
        }
        out[q] = oq;
      }
    }
    this.count(n, 3 * k);
  }

  /**
   * One source row feeding m destination rows (dst row j starts at dOff + j * dStride), each with its own
   * k taps w[j * k + q]: the m calls axpyTaps(dst, dOff + j * dStride, src, sOff, step, w_j, k, n) fused so
   * the source row is read once. Every destination gets exactly the arithmetic of its own axpyTaps call,
   * and the op counts the same repeats as the m calls. Destinations must not overlap the source.
   */
  axpyTapsMulti(dst: UbBuf, dOff: number, dStride: number, m: number, src: UbBuf, sOff: number, step: number, w: Float64Array, k: number, n: number): void {
    if (n === 0 || k === 0 || m === 0) return;
    const d = this.at('axpyTapsMulti', dst, dOff, (m - 1) * dStride + n);
    const lo = Math.min(sOff, sOff + (k - 1) * step);
    const span = n + Math.abs((k - 1) * step);
    const sLo = this.at('axpyTapsMulti', src, lo, span);
    this.noOverlap('axpyTapsMulti', dst, d, (m - 1) * dStride + n, sLo, span);
    const s = src.offset + sOff;
    const a = this.a;
    let j = 0;
    if (k === 3) {
      const s1 = s + step, s2 = s + 2 * step;
      for (; j + 4 <= m; j += 4) {
        const d0 = d + j * dStride, d1 = d0 + dStride, d2 = d1 + dStride, d3 = d2 + dStride;
        const wj = j * 3;
        const a0 = w[wj]!, a1 = w[wj + 1]!, a2 = w[wj + 2]!, b0 = w[wj + 3]!, b1 = w[wj + 4]!, b2 = w[wj + 5]!;
        const c0 = w[wj + 6]!, c1 = w[wj + 7]!, c2 = w[wj + 8]!, e0 = w[wj + 9]!, e1 = w[wj + 10]!, e2 = w[wj + 11]!;
        if (step === 1) {
          // Adjacent taps: tap q at t is tap q + 1 at t - 1, so each source element is loaded once.
          let r1 = a[s]!, r2 = a[s1]!;
          for (let t = 0; t < n; t++) {
            const r0 = r1;
            r1 = r2;
            r2 = a[s2 + t]!;
            a[d0 + t] += a0 * r0 + a1 * r1 + a2 * r2;
            a[d1 + t] += b0 * r0 + b1 * r1 + b2 * r2;
            a[d2 + t] += c0 * r0 + c1 * r1 + c2 * r2;
            a[d3 + t] += e0 * r0 + e1 * r1 + e2 * r2;
          }
        } else {
          for (let t = 0; t < n; t++) {
            const r0 = a[s + t]!, r1 = a[s1 + t]!, r2 = a[s2 + t]!;
            a[d0 + t] += a0 * r0 + a1 * r1 + a2 * r2;
            a[d1 + t] += b0 * r0 + b1 * r1 + b2 * r2;
            a[d2 + t] += c0 * r0 + c1 * r1 + c2 * r2;
            a[d3 + t] += e0 * r0 + e1 * r1 + e2 * r2;
          }
        }
      }
      for (; j + 2 <= m; j += 2) {
        const d0 = d + j * dStride, d1 = d0 + dStride;
        const wj = j * 3;
        const a0 = w[wj]!, a1 = w[wj + 1]!, a2 = w[wj + 2]!, b0 = w[wj + 3]!, b1 = w[wj + 4]!, b2 = w[wj + 5]!;
        for (let t = 0; t < n; t++) {
          const r0 = a[s + t]!, r1 = a[s1 + t]!, r2 = a[s2 + t]!;
          a[d0 + t] += a0 * r0 + a1 * r1 + a2 * r2;
          a[d1 + t] += b0 * r0 + b1 * r1 + b2 * r2;
        }
      }
    }
    for (; j < m; j++) {
      // Remaining rows (or k != 3): the single-row loops, the same arithmetic as axpyTaps.
      this.tapsRow(d + j * dStride, s, step, w, j * k, k, n);
    }
    this.count(n, k * m);
  }

  private tapsRow(d: number, s: number, step: number, w: Float64Array, wOff: number, k: number, n: number): void {
    const a = this.a;
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

  /**
   * The fused transposed-convolution step of axpyDotTaps for m (destination, operand) row pairs sharing one
   * source row: for j < m, dst row j (at dOff + j * dStride) += taps w[j * k + q] of src, and
   * out[j * k + q] = sum_t x[xOff + j * xStride + t] * src[sOff + t + q * step]. Each row pair gets exactly
   * the arithmetic of its own axpyDotTaps call (same summation order), and the op counts the same repeats.
   * Destinations must not overlap the source or the operands.
   */
  axpyDotTapsMulti(
    dst: UbBuf, dOff: number, dStride: number, m: number, src: UbBuf, sOff: number, step: number, w: Float64Array, k: number, n: number,
    x: UbBuf, xOff: number, xStride: number, out: Float64Array,
  ): void {
    out.fill(0, 0, m * k);
    if (n === 0 || k === 0 || m === 0) return;
    const dSpan = (m - 1) * dStride + n;
    const d = this.at('axpyDotTapsMulti', dst, dOff, dSpan);
    const xi = this.at('axpyDotTapsMulti', x, xOff, (m - 1) * xStride + n);
    const lo = Math.min(sOff, sOff + (k - 1) * step);
    const span = n + Math.abs((k - 1) * step);
    const sLo = this.at('axpyDotTapsMulti', src, lo, span);
    this.noOverlap('axpyDotTapsMulti', dst, d, dSpan, sLo, span);
    this.noOverlap('axpyDotTapsMulti', dst, d, dSpan, xi, (m - 1) * xStride + n);
    const s = src.offset + sOff;
    const a = this.a;
    let j = 0;
    if (k === 3) {
      const s1 = s + step, s2 = s + 2 * step;
      for (; j + 2 <= m; j += 2) {
        const d0 = d + j * dStride, d1 = d0 + dStride;
        const x0 = xi + j * xStride, x1 = x0 + xStride;
        const wj = j * 3;
        const a0 = w[wj]!, a1 = w[wj + 1]!, a2 = w[wj + 2]!, b0 = w[wj + 3]!, b1 = w[wj + 4]!, b2 = w[wj + 5]!;
        let p0 = 0, p1 = 0, p2 = 0, q0 = 0, q1 = 0, q2 = 0;
        if (step === -1) {
          // Adjacent taps (transposed): tap q at t is tap q - 1 at t - 1, so each source element is loaded once.
          let r1 = a[s1]!, r2 = a[s2]!;
          for (let t = 0; t < n; t++) {
            const r0 = a[s + t]!;
            const xa = a[x0 + t]!, xb = a[x1 + t]!;
            a[d0 + t] += a0 * r0 + a1 * r1 + a2 * r2;
            a[d1 + t] += b0 * r0 + b1 * r1 + b2 * r2;
            p0 += xa * r0;
            p1 += xa * r1;
            p2 += xa * r2;
            q0 += xb * r0;
            q1 += xb * r1;
            q2 += xb * r2;
            r2 = r1;
            r1 = r0;
          }
        } else {
          for (let t = 0; t < n; t++) {
            const r0 = a[s + t]!, r1 = a[s1 + t]!, r2 = a[s2 + t]!;
            const xa = a[x0 + t]!, xb = a[x1 + t]!;
            a[d0 + t] += a0 * r0 + a1 * r1 + a2 * r2;
            a[d1 + t] += b0 * r0 + b1 * r1 + b2 * r2;
            p0 += xa * r0;
            p1 += xa * r1;
            p2 += xa * r2;
            q0 += xb * r0;
            q1 += xb * r1;
            q2 += xb * r2;
          }
        }
        out[wj] = p0;
        out[wj + 1] = p1;
        out[wj + 2] = p2;
        out[wj + 3] = q0;
        out[wj + 4] = q1;
        out[wj + 5] = q2;
      }
    }
    for (; j < m; j++) this.tapsDotRow(d + j * dStride, s, step, w, j * k, k, n, xi + j * xStride, out);
    this.count(n, 3 * k * m);
  }

  private tapsDotRow(d: number, s: number, step: number, w: Float64Array, wOff: number, k: number, n: number, xi: number, out: Float64Array): void {
    const a = this.a;
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

  private noOverlap(op: string, dst: UbBuf, d: number, dn: number, o: number, on: number): void {
    if (d < o + on && o < d + dn) this.fail(op, dst, d - dst.offset, dn, 'destination rows overlap a source or operand row; a fused op needs them apart');
  }

  /** Scalar reads of k consecutive float32 UB elements into a register file (at out[outOff]). */
  getRow(buf: UbBuf, i: number, k: number, out: Float64Array, outOff = 0): void {
    const s = this.at('getRow', buf, i, k);
    for (let q = 0; q < k; q++) out[outOff + q] = this.a[s + q]!;
    this.counters.scalarOps += k;
  }

  /** dst += src */
  add(dst: UbBuf, dOff: number, src: UbBuf, sOff: number, n: number): void {
    if (n === 0) return;
    const d = this.at('add', dst, dOff, n);
    const s = this.at('add', src, sOff, n);
    const a = this.a;
    for (let k = 0; k < n; k++) a[d + k] += a[s + k]!;
    this.count(n);
  }

  scale(buf: UbBuf, off: number, n: number, alpha: number): void {
    if (n === 0) return;
    const i = this.at('scale', buf, off, n);
    const a = this.a;
    for (let k = i; k < i + n; k++) a[k] *= alpha;
    this.count(n);
  }

  /** buf = exp(buf - shift) */
  expShift(buf: UbBuf, off: number, n: number, shift: number): void {
    if (n === 0) return;
    const i = this.at('expShift', buf, off, n);
    const a = this.a;
    for (let k = i; k < i + n; k++) a[k] = Math.exp(a[k]! - shift);
    this.count(n);
  }

  /** buf = exp(buf - shift), returning the sum of the (float32) results: expShift + reduceSum in one pass. */
  expShiftSum(buf: UbBuf, off: number, n: number, shift: number): number {
    if (n === 0) return 0;
    const i = this.at('expShiftSum', buf, off, n);
    const a = this.a;
    let s = 0;
    for (let k = i; k < i + n; k++) {
      const e = Math.fround(Math.exp(a[k]! - shift));
      a[k] = e;
      s += e;
    }
    this.count(n, 2);
    return s;
  }

  /** buf = exp(buf - shift) * mul */
  expShiftScale(buf: UbBuf, off: number, n: number, shift: number, mul: number): void {
    if (n === 0) return;
    const i = this.at('expShiftScale', buf, off, n);
    const a = this.a;
    for (let k = i; k < i + n; k++) a[k] = Math.fround(Math.exp(a[k]! - shift)) * mul;
    this.count(n, 2);
  }

  /** buf = max(buf - tau, 0) */
  reluShift(buf: UbBuf, off: number, n: number, tau: number): void {
    if (n === 0) return;
    const i = this.at('reluShift', buf, off, n);
    const a = this.a;
    for (let k = i; k < i + n; k++) {
      const v = a[k]! - tau;
      a[k] = v > 0 ? v : 0;
    }
    this.count(n, 2);
  }

  reduceMax(buf: UbBuf, off: number, n: number): number {
    if (n === 0) return -Infinity;
    const i = this.at('reduceMax', buf, off, n);
    const a = this.a;
    let m = -Infinity;
    for (let k = i; k < i + n; k++) {
      const v = a[k]!;
      if (v > m || v !== v) m = v;
    }
    this.count(n);
    return m;
  }

  reduceSum(buf: UbBuf, off: number, n: number): number {
    if (n === 0) return 0;
    const i = this.at('reduceSum', buf, off, n);
    const a = this.a;
    let s = 0;
    for (let k = i; k < i + n; k++) s += a[k]!;
    this.count(n);
    return s;
  }

  dot(x: UbBuf, xOff: number, y: UbBuf, yOff: number, n: number): number {
    if (n === 0) return 0;
    const i = this.at('dot', x, xOff, n);
    const j = this.at('dot', y, yOff, n);
    const a = this.a;
    let s = 0;
    for (let k = 0; k < n; k++) s += a[i + k]! * a[j + k]!;
    this.count(n, 2);
    return s;
  }

  /**
   * For each threshold taus[q] (q < k): sums[q] += sum of elements > taus[q], counts[q] += their number.
   * One pass per threshold (the vector unit compares and selects per threshold).
   */
  thresholdStats(buf: UbBuf, off: number, n: number, taus: Float64Array, k: number, sums: Float64Array, counts: Float64Array): void {
    if (n === 0) return;
    const i = this.at('thresholdStats', buf, off, n);
    const a = this.a;
    for (let q = 0; q < k; q++) {
      const t = taus[q]!;
      let s = 0;
      let c = 0;
      for (let m = i; m < i + n; m++) {
        const v = a[m]!;
        if (v > t) {
          s += v;
          c++;
        }
      }
      sums[q] += s;
      counts[q] += c;
    }
    this.count(n, 2 * k);
  }

  /** Sum of g where p > 0, and how many: out[0] += sum, out[1] += count. */
  supportStats(p: UbBuf, pOff: number, g: UbBuf, gOff: number, n: number, out: Float64Array): void {
    if (n === 0) return;
    const i = this.at('supportStats', p, pOff, n);
    const j = this.at('supportStats', g, gOff, n);
    const a = this.a;
    let s = 0;
    let c = 0;
    for (let k = 0; k < n; k++) {
      if (a[i + k]! > 0) {
        s += a[j + k]!;
        c++;
      }
    }
    out[0] += s;
    out[1] += c;
    this.count(n, 2);
  }

  /** g = p * (g - dot): softmax backward, in place on g. */
  softmaxGrad(g: UbBuf, gOff: number, p: UbBuf, pOff: number, n: number, dot: number): void {
    if (n === 0) return;
    const i = this.at('softmaxGrad', g, gOff, n);
    const j = this.at('softmaxGrad', p, pOff, n);
    const a = this.a;
    for (let k = 0; k < n; k++) a[i + k] = a[j + k]! * Math.fround(a[i + k]! - dot);
    this.count(n, 2);
  }

  /** g = p > 0 ? g - mean : 0: sparsemax backward, in place on g. */
  sparsemaxGrad(g: UbBuf, gOff: number, p: UbBuf, pOff: number, n: number, mean: number): void {
    if (n === 0) return;
    const i = this.at('sparsemaxGrad', g, gOff, n);
    const j = this.at('sparsemaxGrad', p, pOff, n);
    const a = this.a;
    for (let k = 0; k < n; k++) a[i + k] = a[j + k]! > 0 ? a[i + k]! - mean : 0;
    this.count(n, 2);
  }

  /** Convert between a float32 buffer and a half buffer (float16/bfloat16), rounding to nearest even. */
  cast(dst: UbBuf, dOff: number, src: UbBuf, sOff: number, n: number): void {
    if (n === 0) return;
    const check = (b: UbBuf, off: number): void => {
      if (b.owner !== this.ub || !b.live) this.fail('cast', b, off, n, 'buffer is not live in this core\'s UB');
      if (!(off >= 0 && off + n <= b.elems)) this.fail('cast', b, off, n, 'range outside the buffer');
    };
    check(dst, dOff);
    check(src, sOff);
    if (src.dtype === 'float32' && dst.dtype !== 'float32') {
      encodeHalf(dst.dtype, this.a, src.offset + sOff, this.h, dst.offset + dOff, n);
    } else if (src.dtype !== 'float32' && dst.dtype === 'float32') {
      decodeHalf(src.dtype, this.h, src.offset + sOff, this.a, dst.offset + dOff, n);
    } else {
      this.fail('cast', dst, dOff, n, `cast needs one float32 and one half buffer, got ${src.dtype} -> ${dst.dtype}`);
    }
    this.count(n);
  }

  /** Compensated (Kahan) accumulation of n elements: sum[k] += src[k], comp[k] tracking the lost low bits. */
  kahanAccumulate(sum: UbBuf, sOff: number, comp: UbBuf, cOff: number, src: UbBuf, xOff: number, n: number): void {
    if (n === 0) return;
    const s = this.at('kahanAccumulate', sum, sOff, n);
    const c = this.at('kahanAccumulate', comp, cOff, n);
    const x = this.at('kahanAccumulate', src, xOff, n);
    const a = this.a;
    for (let k = 0; k < n; k++) {
      const y = Math.fround(a[x + k]! - a[c + k]!);
      const t = Math.fround(a[s + k]! + y);
      a[c + k] = Math.fround(t - a[s + k]!) - y;
      a[s + k] = t;
    }
    this.count(n, 4);
  }

  /** Scalar read of one float32 UB element. */
  get(buf: UbBuf, i: number): number {
    const k = this.at('get', buf, i, 1);
    this.counters.scalarOps++;
    return this.a[k]!;
  }

  /** Scalar write of one float32 UB element (rounded to float32). */
  set(buf: UbBuf, i: number, value: number): void {
    const k = this.at('set', buf, i, 1);
    this.counters.scalarOps++;
    this.a[k] = value;
  }

  /** Compensated (Kahan) accumulation of `value` into sum[i] with compensation comp[i], both float32. */
  kahanAdd(sum: UbBuf, comp: UbBuf, i: number, value: number): void {
    const s = this.at('kahanAdd', sum, i, 1);
    const c = this.at('kahanAdd', comp, i, 1);
    const a = this.a;
    const y = Math.fround(Math.fround(value) - a[c]!);
    const t = Math.fround(a[s]! + y);
    a[c] = Math.fround(t - a[s]!) - y;
    a[s] = t;
    this.counters.scalarOps += 4;
  }
}

export function isHalf(dtype: NpuDType): dtype is 'float16' | 'bfloat16' {
  return dtype !== 'float32';
}
