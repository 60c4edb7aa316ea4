import type { MemoryCounters } from './device-memory.js';
import { bytesPerElement, newStorageArray, type DType, type StorageArrayOf, type TypedArray } from './dtype.js';
import { sizeClassBytes } from './size-class.js';
import type { WasmArena } from './wasm-arena.js';

/**
 * A caching allocator: freed buffers go to a pool and are handed out again. First touch of fresh memory
 * costs ~100 ms per 32 MiB on the machines we target (and glibc returns large blocks to the OS on free),
 * so reusing buffers is what keeps per-call cost flat.
 *
 * Bounded under varying shapes: every request is rounded up to a size class (`size-class.ts`) and served as
 * an exact-length view at the start of a class-sized ArrayBuffer, SharedArrayBuffer or arena range, so
 * nearby lengths and any dtype share buffers; the pool holds at most its budget, dropping the buffers freed longest ago
 * first when a free goes over. The budget is `maxPooledBytes`; with `retainPeak` it is, when larger, what
 * the working set held at its peak beyond what is live now: a workload whose one call needs more than the
 * cap (an L = 1024 MTA map is 32 MiB) then reuses its buffers call after call instead of paying first touch
 * for fresh pages every time, and the allocator still never holds more than max(peak working set,
 * live + maxPooledBytes). `emptyCache()` releases the pool and `resetPeak()` lowers the budget to the cap.
 *
 * With an arena (`WasmArena`), shared-sized buffers are ranges of one shared WebAssembly.Memory, so a device's
 * wasm kernels compute on them in place; such views have a nonzero `byteOffset` into the whole memory, and
 * their class bytes are tracked here rather than read off `array.buffer`. A request the arena cannot fit
 * (it is at most 4 GiB) gets a SharedArrayBuffer as before. Code that wraps `array.buffer` must use
 * `byteOffset`/`length` (structured clone keeps both).
 *
 * Reused buffers hold old data: kernels must write every output element (the npu simulator checks this).
 * Counters are in class bytes (what is really held): liveBytes + pooledBytes is the memory this allocator keeps.
 */
export class CachingAllocator {
  /** Class bytes and kind (plain, shared, arena) -> freed arrays of that class, most recently freed last. */
  private readonly pool = new Map<string, TypedArray[]>();
  /** Every pooled array in the order it was freed: trimming drops from the front. */
  private readonly byAge = new Map<TypedArray, string>();
  readonly stats: MemoryCounters = { liveBytes: 0, peakBytes: 0, pooledBytes: 0, allocations: 0, poolHits: 0 };
  /** Class bytes of arena-backed arrays (their `buffer` is the whole memory). */
  private readonly arenaClass = new WeakMap<TypedArray, number>();

  /**
   * @param maxPooledBytes pool budget below the peak working set; freeing beyond the budget drops the oldest
   *   pooled buffers for the garbage collector.
   * @param sharedAboveBytes buffers at least this large live in SharedArrayBuffers, so a device's worker
   *   threads can compute on them without staging copies.
   * @param retainPeak let the pool keep up to the peak working set when that is larger than the cap (a
   *   device whose speed matters more than its memory held between calls).
   * @param arena where shared-sized buffers live when it has room (see the class comment); null: SharedArrayBuffers.
   */
  constructor(
    public maxPooledBytes = 32 * 2 ** 20,
    readonly sharedAboveBytes = Number.POSITIVE_INFINITY,
    readonly retainPeak = false,
    readonly arena: WasmArena | null = null,
  ) {}

  alloc<D extends DType>(dtype: D, length: number, zero = false): StorageArrayOf[D] {
    let classBytes = sizeClassBytes(length * bytesPerElement(dtype));
    const shared = classBytes >= this.sharedAboveBytes;
    const kinds: readonly Kind[] = !shared ? ['p'] : this.arena === null ? ['s'] : ['a', 's'];
    let cached: TypedArray | undefined;
    for (const kind of kinds) if ((cached = this.takePooled(classBytes, kind)) !== undefined) break;
    let array: StorageArrayOf[D];
    if (cached) {
      classBytes = this.classBytesOf(cached);
      this.byAge.delete(cached);
      this.stats.poolHits++;
      this.stats.pooledBytes -= classBytes;
      array = viewAs(dtype, cached, length);
      if (array !== cached && this.arenaClass.has(cached)) this.arenaClass.set(array, classBytes);
      if (zero) array.fill(0);
    } else {
      this.stats.allocations++;
      const range = shared && this.arena !== null ? this.arena.take(classBytes) : undefined;
      if (range !== undefined) {
        // A reused range holds old data: zero it when asked (fresh engine buffers below are zero already).
        array = viewAs(dtype, range, length);
        this.arenaClass.set(array, classBytes);
        if (zero) array.fill(0);
      } else {
        // A fresh class-sized buffer is zero-filled by the engine; the view covers the first `length` elements.
        array = viewAs(dtype, newStorageArray('bool', classBytes, shared), length);
      }
    }
    this.stats.liveBytes += classBytes;
    if (this.stats.liveBytes > this.stats.peakBytes) this.stats.peakBytes = this.stats.liveBytes;
    return array;
  }

  /**
   * A pooled array of this class or of one of the next `CLASS_REACH` larger ones (at most twice the bytes):
   * under varying shapes a slightly larger free buffer is better used than left to age out while a fresh
   * one is allocated beside it.
   */
  private takePooled(classBytes: number, kind: Kind): TypedArray | undefined {
    let bytes = classBytes;
    for (let step = 0; step <= CLASS_REACH; step++) {
      const list = this.pool.get(poolKey(bytes, kind));
      if (list?.length) {
        const array = list.pop()!;
        if (list.length === 0) this.pool.delete(poolKey(bytes, kind));
        return array;
      }
      bytes = sizeClassBytes(bytes + 1);
    }
    return undefined;
  }

  /** Returns a buffer to the pool. Only call for buffers this allocator handed out. */
  free(_dtype: DType, array: TypedArray): void {
    const classBytes = this.classBytesOf(array);
    this.stats.liveBytes -= classBytes;
    const budget = this.poolBudget();
    if (classBytes > budget) {
      this.drop(array);
      return;
    }
    const key = poolKey(classBytes, this.kindOf(array));
    let list = this.pool.get(key);
    if (!list) this.pool.set(key, (list = []));
    list.push(array);
    this.byAge.set(array, key);
    this.stats.pooledBytes += classBytes;
    this.trim(budget);
  }

  /** What the pool may hold now: the cap, or (retainPeak) the peak working set less what is live, if larger. */
  poolBudget(): number {
    return this.retainPeak ? Math.max(this.maxPooledBytes, this.stats.peakBytes - this.stats.liveBytes) : this.maxPooledBytes;
  }

  /**
   * Forget a buffer whose storage was garbage collected without being freed. Someone may still hold the
   * array (hostData), so an arena range goes back only when the array itself is collected.
   */
  forget(array: TypedArray): void {
    this.stats.liveBytes -= this.classBytesOf(array);
    if (this.arenaClass.has(array)) this.arena!.giveWhenCollected(array);
  }

  /** Drops pooled buffers, oldest first, until at most `targetBytes` are pooled. */
  trim(targetBytes: number): void {
    for (const [array, key] of this.byAge) {
      if (this.stats.pooledBytes <= targetBytes) break;
      const list = this.pool.get(key)!;
      list.splice(list.indexOf(array), 1);
      if (list.length === 0) this.pool.delete(key);
      this.byAge.delete(array);
      this.stats.pooledBytes -= this.classBytesOf(array);
      this.drop(array);
    }
  }

  emptyCache(): void {
    for (const array of this.byAge.keys()) this.drop(array);
    this.pool.clear();
    this.byAge.clear();
    this.stats.pooledBytes = 0;
  }

  /** What a buffer really holds: its class-sized ArrayBuffer, or its arena range's class bytes. */
  private classBytesOf(array: TypedArray): number {
    return this.arenaClass.get(array) ?? array.buffer.byteLength;
  }

  private kindOf(array: TypedArray): Kind {
    return this.arenaClass.has(array) ? 'a' : isShared(array) ? 's' : 'p';
  }

  /** A buffer leaves the allocator: an arena range is reusable at once (nobody holds a freed buffer). */
  private drop(array: TypedArray): void {
    if (this.arenaClass.has(array)) {
      this.arenaClass.delete(array);
      this.arena!.give(array);
    }
  }

  /** Starts a new peak from what is live now, and trims the pool to the budget that leaves. */
  resetPeak(): void {
    this.stats.peakBytes = this.stats.liveBytes;
    this.trim(this.poolBudget());
  }
}

/** Larger classes a request may be served from: four steps is one power of two, so at most 2x the bytes. */
const CLASS_REACH = 4;

/** Plain ArrayBuffer, SharedArrayBuffer, or a range of the arena. */
type Kind = 'p' | 's' | 'a';

const poolKey = (classBytes: number, kind: Kind): string => `${kind}${classBytes}`;

function isShared(array: TypedArray): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && array.buffer instanceof SharedArrayBuffer;
}

/** `length` elements of `dtype` where `source` starts; `source` itself when it already is that view. */
function viewAs<D extends DType>(dtype: D, source: TypedArray, length: number): StorageArrayOf[D] {
  const Ctor = VIEW[dtype] as unknown as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => StorageArrayOf[D];
  if (source.constructor === Ctor && source.length === length) return source as StorageArrayOf[D];
  return new Ctor(source.buffer, source.byteOffset, length);
}

const VIEW: Readonly<Record<DType, unknown>> = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array, float16: Uint16Array, bfloat16: Uint16Array,
};
