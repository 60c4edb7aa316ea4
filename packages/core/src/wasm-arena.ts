/**
 * Byte ranges of one shared WebAssembly.Memory, handed out as typed-array views. A device whose kernels are
 * WebAssembly (the cpu device's fused MTA loops) keeps its large buffers here, so the kernels read and write
 * tensors in place instead of copying every row between the tensor's buffer and the wasm instance's memory;
 * the memory is shared (a SharedArrayBuffer underneath), so worker threads compute on it too.
 *
 * Costs, stated because they differ from plain ArrayBuffers: a wasm memory never shrinks, so pages once
 * touched stay resident until the process ends (ranges given back are reused, not returned to the system);
 * and the memory is at most 4 GiB (wasm32), so a request that does not fit gets `undefined` and the caller
 * uses an ordinary buffer. The memory is created on first use; where shared wasm memory is unavailable (a
 * browser page that is not cross-origin isolated, an address-space limit) `memory` is null and every `take`
 * is `undefined`.
 *
 * Every range is 64-byte aligned and followed by at least 64 bytes that belong to no other range's data,
 * so SIMD loops may load a few lanes past a row's end (they discard those lanes) without reading past the
 * memory. Address 0 is never handed out (kernels use 0 for "no array").
 */

/** The part of WebAssembly.Memory the arena uses (core's TypeScript lib has no WebAssembly types). */
export interface WasmMemoryLike {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

interface WasmMemoryApi {
  readonly Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemoryLike;
}

export interface WasmArenaOptions {
  /**
   * The most the memory may grow to. Default and upper limit: 4 GiB less one 64 KiB page, so every byte
   * address and every row end a kernel computes fits an unsigned 32-bit integer without wrapping to 0.
   */
  readonly maxBytes?: number;
}

const PAGE = 65536;
const ALIGN = 64;
/** Bytes after each range that no other range's data uses (see the class comment). */
const SLACK = 64;
/** Ranges start here: address 0 (and the first bytes) are never handed out. */
const FIRST = 1024;
export const WASM_ARENA_MAX_BYTES = 4 * 2 ** 30 - PAGE;

interface Range {
  offset: number;
  bytes: number;
}

export class WasmArena {
  readonly maxBytes: number;
  #memory: WasmMemoryLike | null | undefined;
  #unavailable = '';
  /** Free ranges, sorted by offset, never adjacent (given-back neighbours merge). */
  readonly #free: Range[] = [];
  /** offset -> range bytes, for every range handed out and not given back. */
  readonly #live = new Map<number, number>();
  /** Every SharedArrayBuffer the memory has shown (a new one after each grow): what `owns` recognises. */
  readonly #buffers = new WeakSet<ArrayBufferLike>();
  /** Ranges whose views were collected by the garbage collector go back here. */
  readonly #collected = new FinalizationRegistry<number>((offset) => {
    if (this.#live.has(offset)) this.#release(offset);
  });
  #liveBytes = 0;

  constructor(options: WasmArenaOptions = {}) {
    const max = options.maxBytes ?? WASM_ARENA_MAX_BYTES;
    if (!(max >= PAGE && max <= WASM_ARENA_MAX_BYTES)) {
      throw new RangeError(`WasmArena: maxBytes must be between ${PAGE} and ${WASM_ARENA_MAX_BYTES}, got ${max}`);
    }
    this.maxBytes = Math.floor(max / PAGE) * PAGE;
  }

  /** The shared memory (created on first access), or null where it cannot exist here (`unavailableReason`). */
  get memory(): WasmMemoryLike | null {
    if (this.#memory !== undefined) return this.#memory;
    this.#memory = null;
    const api = (globalThis as { WebAssembly?: WasmMemoryApi }).WebAssembly;
    if (api === undefined || typeof SharedArrayBuffer !== 'function') {
      this.#unavailable = 'no WebAssembly or no SharedArrayBuffer in this context';
      return null;
    }
    try {
      this.#memory = new api.Memory({ initial: 1, maximum: this.maxBytes / PAGE, shared: true });
      this.#free.push({ offset: FIRST, bytes: PAGE - FIRST });
    } catch (error) {
      this.#unavailable = `shared WebAssembly.Memory refused: ${(error as Error).message}`;
    }
    return this.#memory;
  }

  /** Why `memory` is null ('' when it is not). */
  get unavailableReason(): string {
    return this.#unavailable;
  }

  /** Bytes of the memory now (what it has grown to; touched pages of it are resident). */
  get memoryBytes(): number {
    return this.#memory ? this.#memory.buffer.byteLength : 0;
  }

  /** Bytes of the ranges handed out and not given back (each range's aligned size and slack included). */
  get liveBytes(): number {
    return this.#liveBytes;
  }

  /**
   * A view of exactly `bytes` bytes at a range of its own, or undefined when it does not fit. The bytes are
   * zero in pages never used before and whatever was left there otherwise.
   */
  take(bytes: number): Uint8Array | undefined {
    const memory = this.memory;
    if (memory === null || !(bytes >= 0)) return undefined;
    const need = Math.ceil(bytes / ALIGN) * ALIGN + SLACK;
    let best = -1;
    for (let k = 0; k < this.#free.length; k++) {
      const r = this.#free[k]!;
      if (r.bytes >= need && (best < 0 || r.bytes < this.#free[best]!.bytes)) best = k;
    }
    if (best < 0 && !this.#grow(memory, need)) return undefined;
    if (best < 0) best = this.#free.length - 1; // #grow left the top range free and large enough
    const range = this.#free[best]!;
    const offset = range.offset;
    if (range.bytes === need) this.#free.splice(best, 1);
    else { range.offset += need; range.bytes -= need; }
    this.#live.set(offset, need);
    this.#liveBytes += need;
    const buffer = memory.buffer;
    this.#buffers.add(buffer);
    return new Uint8Array(buffer, offset, bytes);
  }

  /** Whether `view` lies in this arena's memory (views of its ranges and their subarrays). */
  owns(view: ArrayBufferView): boolean {
    return this.#buffers.has(view.buffer);
  }

  /** Gives back the range that `view` (as `take` returned it, or a view starting at the same byte) covers. */
  give(view: ArrayBufferView): void {
    if (!this.owns(view) || !this.#live.has(view.byteOffset)) {
      throw new Error(`WasmArena.give: no range starts at byte ${view.byteOffset} of this arena (given back twice, or not from take)`);
    }
    this.#collected.unregister(view);
    this.#release(view.byteOffset);
  }

  /**
   * The range goes back when `view` is garbage collected: for a buffer whose owner was collected while
   * someone may still hold the view (a storage collected undisposed), so the range cannot be reused yet.
   */
  giveWhenCollected(view: ArrayBufferView): void {
    if (!this.owns(view) || !this.#live.has(view.byteOffset)) {
      throw new Error(`WasmArena.giveWhenCollected: no range starts at byte ${view.byteOffset} of this arena`);
    }
    this.#collected.register(view, view.byteOffset, view);
  }

  #release(offset: number): void {
    const bytes = this.#live.get(offset)!;
    this.#live.delete(offset);
    this.#liveBytes -= bytes;
    // Insert sorted, then merge with the neighbours it touches.
    let at = 0;
    let hi = this.#free.length;
    while (at < hi) {
      const mid = (at + hi) >> 1;
      if (this.#free[mid]!.offset < offset) at = mid + 1;
      else hi = mid;
    }
    this.#free.splice(at, 0, { offset, bytes });
    const next = this.#free[at + 1];
    if (next !== undefined && offset + bytes === next.offset) {
      this.#free[at]!.bytes += next.bytes;
      this.#free.splice(at + 1, 1);
    }
    const prev = this.#free[at - 1];
    if (prev !== undefined && prev.offset + prev.bytes === offset) {
      prev.bytes += this.#free[at]!.bytes;
      this.#free.splice(at, 1);
    }
  }

  /** Grows the memory so that a free range of `need` bytes ends at its top; false when it cannot. */
  #grow(memory: WasmMemoryLike, need: number): boolean {
    const size = memory.buffer.byteLength;
    const last = this.#free[this.#free.length - 1];
    const topFree = last !== undefined && last.offset + last.bytes === size ? last.bytes : 0;
    const start = topFree > 0 ? last!.offset : size;
    const end = start + need;
    if (end > this.maxBytes) return false;
    if (end > size) {
      try {
        memory.grow(Math.ceil((end - size) / PAGE));
      } catch {
        return false; // the system refused the pages: the caller uses an ordinary buffer
      }
    }
    const grown = memory.buffer.byteLength;
    if (topFree > 0) last!.bytes = grown - last!.offset;
    else this.#free.push({ offset: start, bytes: grown - start });
    return true;
  }
}
