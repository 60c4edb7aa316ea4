/**
 * The Unified Buffer of one vector core: a byte arena with an exact first-fit allocator.
 * Every allocation is rounded up to the alignment (32 bytes); a double buffer (`copies: 2`, an AscendC
 * ping-pong queue) reserves its bytes twice. Asking for more than is free throws `UbOverflowError` naming
 * the kernel, the tile, and every live buffer with its bytes.
 */
import { BFLOAT16_NAN_BITS, FLOAT16_NAN_BITS, type NpuDType, dtypeBytes } from './dtype.js';
import { NpuAccessError, UbOverflowError } from './errors.js';
import { type VectorWasm, vectorWasm } from './vector-wasm.js';
import { type ArenaPlace, type WasmArena, allocateArena } from './wasm-arena.js';

// Float32 bits of a number, as Float32Array.fill converts it.
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

export interface UbAllocOptions {
  /** Element type in the UB. Vector arithmetic runs on float32 buffers only; half buffers stage casts. */
  readonly dtype?: NpuDType;
  /** 2 for a double buffer (ping-pong): its bytes are counted twice. */
  readonly copies?: 1 | 2;
}

/** A handle to one UB allocation. `offset` indexes the arena view of its dtype (float32 or uint16). */
export class UbBuf {
  live = true;
  /**
   * Bumped by every instruction or DMA that may write this buffer. The vector unit uses it to trust what it
   * already checked of the buffer's contents (gather's offset table) until something writes there again.
   */
  version = 0;
  constructor(
    readonly name: string,
    readonly dtype: NpuDType,
    readonly elems: number,
    readonly copies: 1 | 2,
    /** Bytes reserved, after alignment, times copies. */
    readonly bytes: number,
    readonly byteOffset: number,
    readonly offset: number,
    readonly owner: UnifiedBuffer,
  ) {}
}

interface Hole {
  start: number;
  size: number;
}

export interface UbLabels {
  kernel(): string;
  tile(): string;
}

export class UnifiedBuffer {
  readonly f32: Float32Array;
  readonly u16: Uint16Array;
  /** The arena's WebAssembly memory (arena byte 0 is its byte `base`), or null where the engine has none. */
  readonly wasm: WasmArena | null;
  /**
   * The wasm fills and moves of an arena in a shared memory, else null: V8's TypedArray.fill and copyWithin on
   * a SharedArrayBuffer store element by element with relaxed atomics (about three times as slow from ~128
   * elements on), so fillF32 / fillU16 / copyF32 go through wasm there and through the typed arrays elsewhere.
   */
  readonly #shared: VectorWasm | null;
  /** Byte address of arena byte 0 in its memory. */
  readonly #base: number;
  private holes: Hole[] = [];
  private liveBufs: UbBuf[] = [];
  private used = 0;
  /** Highest `used` seen since the last `reset`. */
  peakBytes = 0;

  constructor(
    readonly capacityBytes: number,
    readonly alignmentBytes: number,
    private readonly labels: UbLabels,
    private readonly poison: () => boolean,
    /** A region of a shared memory to hold the arena (see wasm-arena.ts); null: a memory of its own. */
    place: ArenaPlace | null = null,
  ) {
    const arena = allocateArena(capacityBytes, place);
    this.wasm = arena.wasm;
    // The views cover the UB exactly: whatever follows it in a wasm memory is not UB.
    this.f32 = new Float32Array(arena.buffer, arena.base, capacityBytes / 4);
    this.u16 = new Uint16Array(arena.buffer, arena.base, capacityBytes / 2);
    this.#shared = arena.wasm !== null && arena.wasm.shared ? vectorWasm(arena.wasm) : null;
    this.#base = arena.base;
    this.reset();
  }

  /** Free everything (between cores / launches). */
  reset(): void {
    for (const b of this.liveBufs) b.live = false;
    this.liveBufs = [];
    this.holes = [{ start: 0, size: this.capacityBytes }];
    this.used = 0;
    this.peakBytes = 0;
  }

  get usedBytes(): number {
    return this.used;
  }

  live(): readonly UbBuf[] {
    return this.liveBufs;
  }

  static bytesFor(elems: number, dtype: NpuDType, copies: number, alignment: number): number {
    const raw = elems * dtypeBytes(dtype);
    return Math.ceil(raw / alignment) * alignment * copies;
  }

  alloc(name: string, elems: number, options: UbAllocOptions = {}): UbBuf {
    const dtype = options.dtype ?? 'float32';
    const copies = options.copies ?? 1;
    if (!Number.isInteger(elems) || elems <= 0) {
      throw new NpuAccessError(`UB alloc '${name}' in kernel '${this.labels.kernel()}': elems must be a positive integer, got ${elems}`);
    }
    const bytes = UnifiedBuffer.bytesFor(elems, dtype, copies, this.alignmentBytes);
    let at = -1;
    for (const h of this.holes) {
      if (h.size >= bytes) {
        at = h.start;
        h.start += bytes;
        h.size -= bytes;
        break;
      }
    }
    if (at < 0) {
      throw new UbOverflowError(
        this.labels.kernel(),
        this.labels.tile(),
        this.capacityBytes,
        { name, bytes },
        this.liveBufs.map((b) => ({ name: b.name, bytes: b.bytes })),
      );
    }
    this.holes = this.holes.filter((h) => h.size > 0);
    const offset = dtype === 'float32' ? at / 4 : at / 2;
    const buf = new UbBuf(name, dtype, elems, copies, bytes, at, offset, this);
    this.liveBufs.push(buf);
    this.used += bytes;
    if (this.used > this.peakBytes) this.peakBytes = this.used;
    if (this.poison()) {
      // Fresh UB holds garbage on hardware; NaN makes any use of it before a write visible.
      if (dtype === 'float32') this.fillF32(offset, elems * copies, NaN);
      else this.fillU16(offset, elems * copies, dtype === 'float16' ? FLOAT16_NAN_BITS : BFLOAT16_NAN_BITS);
    }
    return buf;
  }

  /** f32[i .. i + n) = value (what f32.fill stores); the caller has checked the range. */
  fillF32(i: number, n: number, value: number): void {
    const w = this.#shared;
    if (w === null) this.f32.fill(value, i, i + n);
    else if (n > 0) {
      F32[0] = value;
      w.fill32(this.#base + 4 * i, n, U32[0]!);
    }
  }

  /** u16[i .. i + n) = bits (half bit patterns); the caller has checked the range. */
  fillU16(i: number, n: number, bits: number): void {
    const w = this.#shared;
    if (w === null) this.u16.fill(bits, i, i + n);
    else if (n > 0) w.fill16(this.#base + 2 * i, n, bits);
  }

  /** f32.copyWithin(d, s, s + n); the caller has checked both ranges. */
  copyF32(d: number, s: number, n: number): void {
    const w = this.#shared;
    if (w === null) this.f32.copyWithin(d, s, s + n);
    else if (n > 0) w.move(this.#base + 4 * d, this.#base + 4 * s, 4 * n);
  }

  free(buf: UbBuf): void {
    if (buf.owner !== this || !buf.live) {
      throw new NpuAccessError(`UB free '${buf.name}' in kernel '${this.labels.kernel()}': not a live buffer of this UB`);
    }
    buf.live = false;
    this.liveBufs = this.liveBufs.filter((b) => b !== buf);
    this.used -= buf.bytes;
    this.holes.push({ start: buf.byteOffset, size: buf.bytes });
    this.holes.sort((a, b) => a.start - b.start);
    const merged: Hole[] = [];
    for (const h of this.holes) {
      const last = merged[merged.length - 1];
      if (last && last.start + last.size === h.start) last.size += h.size;
      else merged.push({ ...h });
    }
    this.holes = merged;
  }
}
