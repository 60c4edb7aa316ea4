/**
 * Vector instructions of one core, operating on float32 UB buffers (plus casts to and from half buffers).
 * Each op is one typed-array loop over the UB arena: no per-element calls. Every op checks that its
 * ranges lie inside live buffers of this core's UB, and counts its work for the roofline estimate:
 * a vector op over n float32 elements costs ceil(n * 4 / vectorBytesPerCycle) repeats (cycles).
 * Reductions return a JS number accumulated in double precision; the hardware reduces pairwise in
 * float32 (error ~ log2(n) ulps), a difference far below the 1e-5 tolerance this project tests against.
 *
 * The rules of the A2 vector unit it enforces: every operand of a vector instruction starts on a 32-byte
 * boundary of the UB (`VectorAlignmentError`; scalar reads and writes are exempt, `gather` reads its source at
 * any element); a row stride of a multi-row instruction is whole 32-byte blocks; reductions (ReduceMax,
 * ReduceSum and what is built on them) need a sharedTmpBuffer of `reduceTmpElems(n)` float32 elements that
 * the kernel allocated in the UB and bound with `useSharedTmp` (`ReduceTmpBufferError`), so their scratch is
 * counted like any buffer. Count-mode instructions longer than 255 repeats (the 8-bit repeat field) are
 * issued as several instructions, which `counters.instructions` counts.
 *
 * This is the generic ISA. An op family's own fused instructions (a convolution's taps, say) live with the
 * op family as free functions built on the extension points `arena`, `arenaIndex`, `assertDisjoint` and
 * `count`, so they are range-checked and counted exactly like the instructions here.
 */
import { type NpuDType, decodeHalf, encodeHalf } from './dtype.js';
import { NpuAccessError, ReduceTmpBufferError, VectorAlignmentError } from './errors.js';
import type { UbBuf, UnifiedBuffer } from './ub.js';
import type { WasmArena } from './wasm-arena.js';
import { type VectorWasm, vectorWasm, vectorWasmEnabled } from './vector-wasm.js';

export interface VectorCounters {
  /** Element operations (an op over n elements adds n; exp adds n too). */
  elemOps: number;
  /** Vector repeats (cycles at one repeat per cycle). */
  repeats: number;
  /** Scalar-unit reads/writes of single UB elements. */
  scalarOps: number;
  /** Vector instructions issued (a count-mode op over more than MAX_REPEAT repeats is split). */
  instructions: number;
}

/** The repeat field of an A2 vector instruction is 8 bits: at most 255 repeats of 256 bytes per instruction. */
export const MAX_REPEAT = 255;
/** Vector operands start on, and row strides are whole, blocks of this many bytes. */
export const VECTOR_BLOCK_BYTES = 32;
const F32_PER_BLOCK = VECTOR_BLOCK_BYTES / 4;

/**
 * float32 elements of the sharedTmpBuffer a reduction over n float32 elements needs: one partial per
 * 256-byte repeat (64 lanes), rounded up to a whole 32-byte block (AscendC's ReduceMax / ReduceSum work
 * buffer for the first level of the reduction; later levels reuse it).
 */
export function reduceTmpElems(n: number, lanes = 64): number {
  const partials = Math.max(1, Math.ceil(n / lanes));
  return Math.ceil(partials / F32_PER_BLOCK) * F32_PER_BLOCK;
}

export class VectorUnit {
  private readonly a: Float32Array;
  private readonly h: Uint16Array;
  private readonly lanes: number;
  readonly counters: VectorCounters = { elemOps: 0, repeats: 0, scalarOps: 0, instructions: 0 };
  private sharedTmp: UbBuf | null = null;
  /** The wasm loops on this arena (exponentials), or null. */
  private readonly vw: VectorWasm | null;
  /** Byte address of arena index 0 in the wasm memory (0 unless the arena is a region of a shared memory). */
  private readonly wb: number;

  constructor(
    private readonly ub: UnifiedBuffer,
    vectorBytesPerCycle: number,
    private readonly kernelName: () => string,
  ) {
    this.a = ub.f32;
    this.h = ub.u16;
    this.vw = vectorWasm(ub.wasm);
    this.wb = ub.wasm?.base ?? 0;
    this.lanes = Math.max(1, Math.floor(vectorBytesPerCycle / 4));
  }

  resetCounters(): void {
    this.counters.elemOps = 0;
    this.counters.repeats = 0;
    this.counters.scalarOps = 0;
    this.counters.instructions = 0;
    this.sharedTmp = null;
  }

  private fail(op: string, buf: UbBuf, off: number, n: number, why: string): never {
    throw new NpuAccessError(
      `vector op '${op}' in kernel '${this.kernelName()}' on UB buffer '${buf.name}' [${off}, ${off + n}) of ${buf.elems}: ${why}`,
    );
  }

  // ---- Extension points: fused instructions an op family defines outside this ISA (e.g. convolution taps)
  // validate their ranges, read and write the arena, and count their work through these, exactly as the
  // built-in instructions below do.

  /** The float32 view of this core's UB arena. Index it only where `arenaIndex` says. */
  get arena(): Float32Array {
    return this.a;
  }

  /**
   * The arena's WebAssembly memory, for fused instructions compiled to wasm (arena index i is byte base + 4 i
   * of it; instantiate the module's shared-memory variant where `shared`), and the byte offset of the scratch
   * after the UB where such an instruction passes arguments and results; null where the engine has no
   * WebAssembly (run the JavaScript loops). Validate operands with `arenaIndex`
   * and count with `count` exactly as a JavaScript instruction does.
   */
  get wasm(): WasmArena | null {
    return this.ub.wasm;
  }

  /**
   * Validate a float32 operand [off, off + n) of a live buffer of this UB and return its arena index. The
   * operand must start on a 32-byte block (the vector unit addresses the UB in blocks). An extension op may
   * write any operand it indexes, so this marks the buffer written (`UbBuf.version`).
   */
  arenaIndex(op: string, buf: UbBuf, off: number, n: number): number {
    const i = this.readIndex(op, buf, off, n);
    buf.version++;
    return i;
  }

  /** arenaIndex for an operand the instruction only reads (the buffer's version stays). */
  private readIndex(op: string, buf: UbBuf, off: number, n: number): number {
    const i = this.scalarIndex(op, buf, off, n);
    this.assertAligned(op, buf, off, n);
    return i;
  }

  /** Refuse an operand that does not start on a 32-byte block of the UB. */
  assertAligned(op: string, buf: UbBuf, off: number, n = 0): void {
    const byteAddress = buf.byteOffset + off * (buf.dtype === 'float32' ? 4 : 2);
    if (byteAddress % VECTOR_BLOCK_BYTES !== 0) {
      throw new VectorAlignmentError(
        `vector op '${op}' in kernel '${this.kernelName()}': operand '${buf.name}' [${off}, ${off + n}) starts at UB byte ` +
          `${byteAddress}, expected a multiple of ${VECTOR_BLOCK_BYTES} (element ${off} is ${byteAddress % VECTOR_BLOCK_BYTES} bytes into a block). ` +
          `Pitch rows to whole blocks, or realign shifted data with gather() first.`,
      );
    }
  }

  /** Refuse a row stride of a multi-row instruction that is not whole 32-byte blocks (its repeat stride field counts blocks). */
  assertRowStride(op: string, buf: UbBuf, strideElems: number): void {
    if ((strideElems * 4) % VECTOR_BLOCK_BYTES !== 0) {
      throw new VectorAlignmentError(
        `vector op '${op}' in kernel '${this.kernelName()}': row stride of '${buf.name}' is ${strideElems} float32 elements ` +
          `(${strideElems * 4} bytes), expected whole ${VECTOR_BLOCK_BYTES}-byte blocks (a multiple of ${F32_PER_BLOCK} elements). Pitch the rows.`,
      );
    }
  }

  /** Validate a float32 range of a live buffer (any start: for the scalar unit and gather sources). */
  private scalarIndex(op: string, buf: UbBuf, off: number, n: number): number {
    if (buf.owner !== this.ub || !buf.live) this.fail(op, buf, off, n, 'buffer is not live in this core\'s UB');
    if (buf.dtype !== 'float32') this.fail(op, buf, off, n, `arithmetic needs a float32 buffer, this one is ${buf.dtype}; cast() first`);
    if (!(off >= 0 && n >= 0 && off + n <= buf.elems) || !Number.isInteger(off) || !Number.isInteger(n)) {
      this.fail(op, buf, off, n, 'range outside the buffer');
    }
    return buf.offset + off;
  }

  /**
   * Bind the sharedTmpBuffer reductions use (a float32 buffer the kernel allocated, so the UB counts it), or
   * unbind with null. AscendC passes it to each ReduceMax / ReduceSum call; binding it once is the same rule.
   */
  useSharedTmp(buf: UbBuf | null): void {
    if (buf && (buf.owner !== this.ub || !buf.live || buf.dtype !== 'float32')) {
      this.fail('useSharedTmp', buf, 0, buf.elems, 'the sharedTmpBuffer must be a live float32 buffer of this core\'s UB');
    }
    if (buf) this.assertAligned('useSharedTmp', buf, 0, buf.elems);
    this.sharedTmp = buf;
  }

  /** The reduction's scratch: the bound sharedTmpBuffer, if large enough; its first elements are clobbered. */
  private reduceScratch(op: string, n: number): void {
    const need = reduceTmpElems(n, this.lanes);
    const tmp = this.sharedTmp;
    if (!tmp || !tmp.live || tmp.elems < need) {
      const have = !tmp ? 'none is bound' : !tmp.live ? `'${tmp.name}' was freed` : `'${tmp.name}' holds ${tmp.elems}`;
      throw new ReduceTmpBufferError(
        `vector op '${op}' in kernel '${this.kernelName()}' over ${n} elements needs a sharedTmpBuffer of ${need} float32 elements ` +
          `(${need * 4} B) in the UB; ${have}. Allocate it with the kernel's planned buffers (reduceTmpElems(n)) and bind it with v.useSharedTmp(buf).`,
      );
    }
    // The hardware leaves partials there: anything a kernel kept in it is gone.
    tmp.version++;
    this.ub.fillF32(tmp.offset, need, NaN);
  }

  /** Refuse a destination arena span [d, d + dn) that overlaps an input span [o, o + on). */
  assertDisjoint(op: string, dst: UbBuf, d: number, dn: number, o: number, on: number): void {
    if (d < o + on && o < d + dn) this.fail(op, dst, d - dst.offset, dn, 'destination rows overlap a source or operand row; a fused op needs them apart');
  }

  /** Count `passes` vector passes over n float32 elements (ceil(n / lanes) repeats each). */
  count(n: number, passes = 1): void {
    const repeats = Math.ceil(n / this.lanes);
    this.counters.elemOps += n * passes;
    this.counters.repeats += repeats * passes;
    this.counters.instructions += Math.max(1, Math.ceil(repeats / MAX_REPEAT)) * passes;
  }

  /**
   * dst[dOff + t] = src[srcStart + offsets[oOff + t]] for t < n: AscendC's Gather, the one vector instruction
   * that reads its source at any element (its offset table is a UB buffer, counted like the rest). Kernels use
   * it to realign data shifted by a few elements (a convolution's taps) before aligned instructions.
   */
  gather(dst: UbBuf, dOff: number, src: UbBuf, srcStart: number, offsets: UbBuf, oOff: number, n: number): void {
    if (n === 0) return;
    const d = this.arenaIndex('gather', dst, dOff, n);
    const o = this.readIndex('gather', offsets, oOff, n);
    const s0 = this.scalarIndex('gather', src, 0, src.elems);
    const a = this.a;
    // Kernels realign shifted rows with a table 0, 1, 2, ...: when the offsets are consecutive integers, the
    // two ends bound every read and the gather is one block move. Anything else takes the element loop.
    const k0 = srcStart + a[o]!;
    const k1 = srcStart + a[o + n - 1]!;
    if (Number.isInteger(k0) && k1 === k0 + n - 1 && k0 >= 0 && k1 < src.elems && this.isRun(offsets, o, oOff, n)) {
      if (d + n <= s0 + k0 || s0 + k1 < d) {
        const w = this.wasmLoops;
        if (w !== null) w.move(this.wb + 4 * d, this.wb + 4 * (s0 + k0), 4 * n);
        else a.copyWithin(d, s0 + k0, s0 + k1 + 1);
      } else {
        this.gatherElements(d, src, s0, srcStart, o, n);
      }
    } else {
      this.gatherElements(d, src, s0, srcStart, o, n);
    }
    this.count(n);
  }

  // The offset table last found to be a run, and the range of it checked; valid while its version stands.
  private runTable: UbBuf | null = null;
  private runVersion = -1;
  private runFrom = 0;
  private runTo = 0;

  /**
   * Whether offsets[oOff + t] = offsets[oOff] + t for t < n (arena index o = offsets' index of oOff). A kernel
   * gathers through one table thousands of times: once checked, a range is trusted until the table is written.
   */
  private isRun(offsets: UbBuf, o: number, oOff: number, n: number): boolean {
    const known = offsets === this.runTable && offsets.version === this.runVersion;
    if (known && oOff >= this.runFrom && oOff + n <= this.runTo) return true;
    if (!consecutive(this.a, o, n)) return false;
    // Two runs that share an element are one run: widen the known range; otherwise this one replaces it.
    if (known && Math.max(oOff, this.runFrom) < Math.min(oOff + n, this.runTo)) {
      this.runFrom = Math.min(this.runFrom, oOff);
      this.runTo = Math.max(this.runTo, oOff + n);
    } else {
      this.runTable = offsets;
      this.runVersion = offsets.version;
      this.runFrom = oOff;
      this.runTo = oOff + n;
    }
    return true;
  }

  /** gather's general case: element by element, each offset checked as it is read. */
  private gatherElements(d: number, src: UbBuf, s0: number, srcStart: number, o: number, n: number): void {
    const a = this.a;
    for (let t = 0; t < n; t++) {
      const k = srcStart + a[o + t]!;
      if (!(k >= 0 && k < src.elems && Number.isInteger(k))) this.fail('gather', src, srcStart, n, `offset ${a[o + t]} at ${t} reads element ${k}, outside the buffer`);
      a[d + t] = a[s0 + k]!;
    }
  }

  /** buf[off + t] = first + t * step (AscendC ArithProgression): e.g. a gather's offset table. */
  arange(buf: UbBuf, off: number, n: number, first = 0, step = 1): void {
    if (n === 0) return;
    const i = this.arenaIndex('arange', buf, off, n);
    for (let t = 0; t < n; t++) this.a[i + t] = first + t * step;
    this.count(n);
  }

  /**
   * buf[off + t] = 0 for t < n outside [keepFrom, keepTo), from an aligned start: a Select of each lane
   * against its index (how a kernel zeroes a head or a tail that does not start on a block).
   */
  zeroOutside(buf: UbBuf, off: number, n: number, keepFrom: number, keepTo: number): void {
    if (n === 0 || (keepFrom <= 0 && keepTo >= n)) return;
    const i = this.arenaIndex('zeroOutside', buf, off, n);
    const from = Math.min(n, Math.max(0, keepFrom));
    const to = Math.max(from, Math.min(n, keepTo));
    this.ub.fillF32(i, from, 0);
    this.ub.fillF32(i + to, n - to, 0);
    this.count(n);
  }

  fill(buf: UbBuf, off: number, n: number, value: number): void {
    if (n === 0) return;
    const i = this.arenaIndex('fill', buf, off, n);
    this.ub.fillF32(i, n, value);
    this.count(n);
  }

  copy(dst: UbBuf, dOff: number, src: UbBuf, sOff: number, n: number): void {
    if (n === 0) return;
    const d = this.arenaIndex('copy', dst, dOff, n);
    const s = this.readIndex('copy', src, sOff, n);
    this.ub.copyF32(d, s, n);
    this.count(n);
  }

  /** dst += alpha * src */
  axpy(dst: UbBuf, dOff: number, src: UbBuf, sOff: number, alpha: number, n: number): void {
    if (n === 0) return;
    const d = this.arenaIndex('axpy', dst, dOff, n);
    const s = this.readIndex('axpy', src, sOff, n);
    const a = this.a;
    for (let k = 0; k < n; k++) a[d + k] += alpha * a[s + k]!;
    this.count(n);
  }

  /** Scalar reads of k consecutive float32 UB elements into a register file (at out[outOff]). */
  getRow(buf: UbBuf, i: number, k: number, out: Float64Array, outOff = 0): void {
    const s = this.scalarIndex('getRow', buf, i, k);
    for (let q = 0; q < k; q++) out[outOff + q] = this.a[s + q]!;
    this.counters.scalarOps += k;
  }

  /**
   * getRow for `rows` rows of `cols` elements, row r at buf[i + r * rowStride], into out[outOff + r * cols ..]:
   * the same scalar reads (counted the same) with one range check for all of them.
   */
  getRows(buf: UbBuf, i: number, rowStride: number, rows: number, cols: number, out: Float64Array, outOff = 0): void {
    if (rows <= 0 || cols <= 0) return;
    const s = this.stridedIndex('getRows', buf, i, rowStride, rows, cols);
    const a = this.a;
    for (let r = 0; r < rows; r++) {
      const from = s + r * rowStride;
      const to = outOff + r * cols;
      for (let q = 0; q < cols; q++) out[to + q] = a[from + q]!;
    }
    this.counters.scalarOps += rows * cols;
  }

  /**
   * Validate rows of a strided scalar access, buf[i + r * rowStride + q] for r < rows, q < cols (rowStride may be
   * anything, negative included): every element lies in the buffer when the lowest and highest rows do.
   */
  private stridedIndex(op: string, buf: UbBuf, i: number, rowStride: number, rows: number, cols: number): number {
    if (!Number.isInteger(rowStride)) this.fail(op, buf, i, cols, `row stride ${rowStride} is not an integer`);
    const last = i + (rows - 1) * rowStride;
    this.scalarIndex(op, buf, Math.min(i, last), Math.max(i, last) - Math.min(i, last) + cols);
    return buf.offset + i;
  }

  /** dst += src */
  add(dst: UbBuf, dOff: number, src: UbBuf, sOff: number, n: number): void {
    if (n === 0) return;
    const d = this.arenaIndex('add', dst, dOff, n);
    const s = this.readIndex('add', src, sOff, n);
    const a = this.a;
    for (let k = 0; k < n; k++) a[d + k] += a[s + k]!;
    this.count(n);
  }

  scale(buf: UbBuf, off: number, n: number, alpha: number): void {
    if (n === 0) return;
    const i = this.arenaIndex('scale', buf, off, n);
    const w = this.wasmLoops;
    if (w !== null) w.scale(this.wb + 4 * i, n, alpha);
    else {
      const a = this.a;
      for (let k = i; k < i + n; k++) a[k] *= alpha;
    }
    this.count(n);
  }

  /** The wasm loops, unless turned off (setVectorWasm). */
  private get wasmLoops(): VectorWasm | null {
    return this.vw !== null && vectorWasmEnabled() ? this.vw : null;
  }

  // The exponentials store Math.fround(Math.exp(x - shift)) per element: in wasm (the same float32 values,
  // see wasm/vector.wat) where the arena is a wasm memory, else by the JavaScript loops.

  /** buf = exp(buf - shift) */
  expShift(buf: UbBuf, off: number, n: number, shift: number): void {
    if (n === 0) return;
    const i = this.arenaIndex('expShift', buf, off, n);
    const w = this.wasmLoops;
    if (w !== null) w.expShift(this.wb + 4 * i, n, shift);
    else {
      const a = this.a;
      for (let k = i; k < i + n; k++) a[k] = Math.exp(a[k]! - shift);
    }
    this.count(n);
  }

  /** buf = exp(buf - shift), returning the sum of the (float32) results: expShift + reduceSum in one pass. */
  expShiftSum(buf: UbBuf, off: number, n: number, shift: number): number {
    if (n === 0) return 0;
    const i = this.arenaIndex('expShiftSum', buf, off, n);
    this.reduceScratch('expShiftSum', n);
    const w = this.wasmLoops;
    let s = 0;
    if (w !== null) s = w.expShiftSum(this.wb + 4 * i, n, shift);
    else {
      const a = this.a;
      for (let k = i; k < i + n; k++) {
        const e = Math.fround(Math.exp(a[k]! - shift));
        a[k] = e;
        s += e;
      }
    }
    this.count(n, 2);
    return s;
  }

  /** buf = exp(buf - shift) * mul */
  expShiftScale(buf: UbBuf, off: number, n: number, shift: number, mul: number): void {
    if (n === 0) return;
    const i = this.arenaIndex('expShiftScale', buf, off, n);
    const w = this.wasmLoops;
    if (w !== null) w.expShiftScale(this.wb + 4 * i, n, shift, mul);
    else {
      const a = this.a;
      for (let k = i; k < i + n; k++) a[k] = Math.fround(Math.exp(a[k]! - shift)) * mul;
    }
    this.count(n, 2);
  }

  /**
   * buf = max((buf - shift) - tau, 0); NaN stays NaN (as the vector max does), so a NaN threshold marks the
   * row. The shift (a row maximum) comes off first so that tau can be a small number: at |x| >= 2^24 a
   * threshold near x itself would round to x and zero the whole row.
   */
  reluShift(buf: UbBuf, off: number, n: number, tau: number, shift = 0): void {
    if (n === 0) return;
    const i = this.arenaIndex('reluShift', buf, off, n);
    const a = this.a;
    for (let k = i; k < i + n; k++) {
      const v = a[k]! - shift - tau;
      a[k] = v > 0 || v !== v ? v : 0;
    }
    this.count(n, 2);
  }

  reduceMax(buf: UbBuf, off: number, n: number): number {
    if (n === 0) return -Infinity;
    const i = this.readIndex('reduceMax', buf, off, n);
    this.reduceScratch('reduceMax', n);
    const w = this.wasmLoops;
    // wasm answers NaN when the loop must decide: a NaN in the row (the loop returns the last one) or a 0 maximum (its sign).
    let m = w !== null ? w.reduceMax(this.wb + 4 * i, n) : NaN;
    if (m !== m) {
      const a = this.a;
      m = -Infinity;
      for (let k = i; k < i + n; k++) {
        const v = a[k]!;
        if (v > m || v !== v) m = v;
      }
    }
    this.count(n);
    return m;
  }

  reduceSum(buf: UbBuf, off: number, n: number): number {
    if (n === 0) return 0;
    const i = this.readIndex('reduceSum', buf, off, n);
    this.reduceScratch('reduceSum', n);
    const a = this.a;
    let s = 0;
    for (let k = i; k < i + n; k++) s += a[k]!;
    this.count(n);
    return s;
  }

  dot(x: UbBuf, xOff: number, y: UbBuf, yOff: number, n: number): number {
    if (n === 0) return 0;
    const i = this.readIndex('dot', x, xOff, n);
    const j = this.readIndex('dot', y, yOff, n);
    this.reduceScratch('dot', n);
    const a = this.a;
    let s = 0;
    for (let k = 0; k < n; k++) s += a[i + k]! * a[j + k]!;
    this.count(n, 2);
    return s;
  }

  /**
   * For each threshold taus[q] (q < k): sums[q] += sum of (element - shift) > taus[q], counts[q] += their number.
   * One pass per threshold (the vector unit compares and selects per threshold).
   */
  thresholdStats(buf: UbBuf, off: number, n: number, taus: Float64Array, k: number, sums: Float64Array, counts: Float64Array, shift = 0): void {
    if (n === 0) return;
    const i = this.readIndex('thresholdStats', buf, off, n);
    this.reduceScratch('thresholdStats', n);
    const a = this.a;
    for (let q = 0; q < k; q++) {
      const t = taus[q]!;
      let s = 0;
      let c = 0;
      for (let m = i; m < i + n; m++) {
        const v = a[m]! - shift;
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
    const i = this.readIndex('supportStats', p, pOff, n);
    const j = this.readIndex('supportStats', g, gOff, n);
    this.reduceScratch('supportStats', n);
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
    const i = this.arenaIndex('softmaxGrad', g, gOff, n);
    const j = this.readIndex('softmaxGrad', p, pOff, n);
    const w = this.wasmLoops;
    // Two elements a step read p before g is written there only when the rows are apart or the same.
    if (w !== null && (i === j || i + n <= j || j + n <= i)) w.softmaxGrad(this.wb + 4 * i, this.wb + 4 * j, n, dot);
    else {
      const a = this.a;
      for (let k = 0; k < n; k++) a[i + k] = a[j + k]! * Math.fround(a[i + k]! - dot);
    }
    this.count(n, 2);
  }

  /** g = p > 0 ? g - mean : 0: sparsemax backward, in place on g. */
  sparsemaxGrad(g: UbBuf, gOff: number, p: UbBuf, pOff: number, n: number, mean: number): void {
    if (n === 0) return;
    const i = this.arenaIndex('sparsemaxGrad', g, gOff, n);
    const j = this.readIndex('sparsemaxGrad', p, pOff, n);
    const a = this.a;
    for (let k = 0; k < n; k++) a[i + k] = a[j + k]! > 0 ? a[i + k]! - mean : 0;
    this.count(n, 2);
  }

  /** Convert between a float32 buffer and a half buffer (float16/bfloat16), rounding to nearest even. */
  cast(dst: UbBuf, dOff: number, src: UbBuf, sOff: number, n: number): void {
    if (n === 0) return;
    this.castOperand(dst, dOff, n);
    this.castOperand(src, sOff, n);
    dst.version++;
    if (src.dtype === 'float32' && dst.dtype !== 'float32') {
      encodeHalf(dst.dtype, this.a, src.offset + sOff, this.h, dst.offset + dOff, n);
    } else if (src.dtype !== 'float32' && dst.dtype === 'float32') {
      decodeHalf(src.dtype, this.h, src.offset + sOff, this.a, dst.offset + dOff, n);
    } else {
      this.fail('cast', dst, dOff, n, `cast needs one float32 and one half buffer, got ${src.dtype} -> ${dst.dtype}`);
    }
    this.count(n);
  }

  /** A cast operand: a live buffer of this UB (either dtype), in range, on a 32-byte block. */
  private castOperand(b: UbBuf, off: number, n: number): void {
    if (b.owner !== this.ub || !b.live) this.fail('cast', b, off, n, 'buffer is not live in this core\'s UB');
    if (!(off >= 0 && off + n <= b.elems)) this.fail('cast', b, off, n, 'range outside the buffer');
    this.assertAligned('cast', b, off, n);
  }

  /** Compensated (Kahan) accumulation of n elements: sum[k] += src[k], comp[k] tracking the lost low bits. */
  kahanAccumulate(sum: UbBuf, sOff: number, comp: UbBuf, cOff: number, src: UbBuf, xOff: number, n: number): void {
    if (n === 0) return;
    const s = this.arenaIndex('kahanAccumulate', sum, sOff, n);
    const c = this.arenaIndex('kahanAccumulate', comp, cOff, n);
    const x = this.readIndex('kahanAccumulate', src, xOff, n);
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
    const k = this.scalarIndex('get', buf, i, 1);
    this.counters.scalarOps++;
    return this.a[k]!;
  }

  /** Scalar write of one float32 UB element (rounded to float32). */
  set(buf: UbBuf, i: number, value: number): void {
    const k = this.scalarIndex('set', buf, i, 1);
    buf.version++;
    this.counters.scalarOps++;
    this.a[k] = value;
  }

  /** Compensated (Kahan) accumulation of `value` into sum[i] with compensation comp[i], both float32. */
  kahanAdd(sum: UbBuf, comp: UbBuf, i: number, value: number): void {
    const s = this.scalarIndex('kahanAdd', sum, i, 1);
    const c = this.scalarIndex('kahanAdd', comp, i, 1);
    sum.version++;
    comp.version++;
    const a = this.a;
    const y = Math.fround(Math.fround(value) - a[c]!);
    const t = Math.fround(a[s]! + y);
    a[c] = Math.fround(t - a[s]!) - y;
    a[s] = t;
    this.counters.scalarOps += 4;
  }

  /**
   * kahanAdd of values[vOff + r * cols + q] into sum and comp at i + r * rowStride + q, for r < rows, q < cols, in
   * that order: the same scalar operations (counted the same) with one range check for all of them.
   */
  kahanAddRows(sum: UbBuf, comp: UbBuf, i: number, rowStride: number, rows: number, cols: number, values: Float64Array, vOff = 0): void {
    if (rows <= 0 || cols <= 0) return;
    const s0 = this.stridedIndex('kahanAdd', sum, i, rowStride, rows, cols);
    const c0 = this.stridedIndex('kahanAdd', comp, i, rowStride, rows, cols);
    sum.version++;
    comp.version++;
    const a = this.a;
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < cols; q++) {
        const s = s0 + r * rowStride + q;
        const c = c0 + r * rowStride + q;
        const y = Math.fround(Math.fround(values[vOff + r * cols + q]!) - a[c]!);
        const t = Math.fround(a[s]! + y);
        a[c] = Math.fround(t - a[s]!) - y;
        a[s] = t;
      }
    }
    this.counters.scalarOps += 4 * rows * cols;
  }
}

/** Whether a[o + t] = a[o] + t for every t < n (an offset table that is a run of consecutive elements). */
function consecutive(a: Float32Array, o: number, n: number): boolean {
  const first = a[o]!;
  for (let t = 1; t < n; t++) if (a[o + t] !== first + t) return false;
  return true;
}

export function isHalf(dtype: NpuDType): dtype is 'float16' | 'bfloat16' {
  return dtype !== 'float32';
}
