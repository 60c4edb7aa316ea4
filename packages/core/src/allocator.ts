import type { MemoryCounters } from './device-memory.js';
import { bytesPerElement, newStorageArray, type DType, type StorageArrayOf, type TypedArray } from './dtype.js';
import { sizeClassBytes } from './size-class.js';

/**
 * A caching allocator: freed buffers go to a pool and are handed out again. First touch of fresh memory
 * costs ~100 ms per 32 MiB on the machines we target (and glibc returns large blocks to the OS on free),
 * so reusing buffers is what keeps per-call cost flat.
 *
 * Bounded under varying shapes: every request is rounded up to a size class (`size-class.ts`) and served as
 * an exact-length view at offset 0 of a class-sized ArrayBuffer (or SharedArrayBuffer), so nearby lengths
 * and any dtype share buffers; the pool holds at most its budget, dropping the buffers freed longest ago
 * first when a free goes over. The budget is `maxPooledBytes`; with `retainPeak` it is, when larger, what
 * the working set held at its peak beyond what is live now: a workload whose one call needs more than the
 * cap (an L = 1024 MTA map is 32 MiB) then reuses its buffers call after call instead of paying first touch
 * for fresh pages every time, and the allocator still never holds more than max(peak working set,
 * live + maxPooledBytes). `emptyCache()` releases the pool and `resetPeak()` lowers the budget to the cap. Views keep `byteOffset` 0 and their own `length`, so code that posts them
 * to workers (structured clone keeps both) or wraps `array.buffer` with `byteOffset`/`length` stays correct.
 *
 * Reused buffers hold old data: kernels must write every output element (the npu simulator checks this).
 * Counters are in class bytes (what is really held): liveBytes + pooledBytes is the memory this allocator keeps.
 */
export class CachingAllocator {
  /** Class bytes and sharedness -> freed arrays of that class, most recently freed last. */
  private readonly pool = new Map<string, TypedArray[]>();
  /** Every pooled array in the order it was freed: trimming drops from the front. */
  private readonly byAge = new Map<TypedArray, string>();
  readonly stats: MemoryCounters = { liveBytes: 0, peakBytes: 0, pooledBytes: 0, allocations: 0, poolHits: 0 };

  /**
   * @param maxPooledBytes pool budget below the peak working set; freeing beyond the budget drops the oldest
   *   pooled buffers for the garbage collector.
   * @param sharedAboveBytes buffers at least this large live in SharedArrayBuffers, so a device's worker
   *   threads can compute on them without staging copies.
   * @param retainPeak let the pool keep up to the peak working set when that is larger than the cap (a
   *   device whose speed matters more than its memory held between calls).
   */
  constructor(public maxPooledBytes = 32 * 2 ** 20, readonly sharedAboveBytes = Number.POSITIVE_INFINITY, readonly retainPeak = false) {}

  alloc<D extends DType>(dtype: D, length: number, zero = false): StorageArrayOf[D] {
    let classBytes = sizeClassBytes(length * bytesPerElement(dtype));
    const shared = classBytes >= this.sharedAboveBytes;
    const cached = this.takePooled(classBytes, shared);
    let array: StorageArrayOf[D];
    if (cached) {
      classBytes = cached.buffer.byteLength;
      this.byAge.delete(cached);
      this.stats.poolHits++;
      this.stats.pooledBytes -= classBytes;
      array = viewAs(dtype, cached, length);
      if (zero) array.fill(0);
    } else {
      this.stats.allocations++;
      // A fresh class-sized buffer is zero-filled by the engine; the view covers the first `length` elements.
      const backing = newStorageArray('bool', classBytes, shared);
      array = viewAs(dtype, backing, length);
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
  private takePooled(classBytes: number, shared: boolean): TypedArray | undefined {
    let bytes = classBytes;
    for (let step = 0; step <= CLASS_REACH; step++) {
      const list = this.pool.get(poolKey(bytes, shared));
      if (list?.length) {
        const array = list.pop()!;
        if (list.length === 0) this.pool.delete(poolKey(bytes, shared));
        return array;
      }
      bytes = sizeClassBytes(bytes + 1);
    }
    return undefined;
  }

  /** Returns a buffer to the pool. Only call for buffers this allocator handed out. */
  free(_dtype: DType, array: TypedArray): void {
    const classBytes = array.buffer.byteLength;
    this.stats.liveBytes -= classBytes;
    const budget = this.poolBudget();
    if (classBytes > budget) return;
    const key = poolKey(classBytes, isShared(array));
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

  /** Forget a buffer that was garbage collected without being freed. */
  forget(array: TypedArray): void {
    this.stats.liveBytes -= array.buffer.byteLength;
  }

  /** Drops pooled buffers, oldest first, until at most `targetBytes` are pooled. */
  trim(targetBytes: number): void {
    for (const [array, key] of this.byAge) {
      if (this.stats.pooledBytes <= targetBytes) break;
      const list = this.pool.get(key)!;
      list.splice(list.indexOf(array), 1);
      if (list.length === 0) this.pool.delete(key);
      this.byAge.delete(array);
      this.stats.pooledBytes -= array.buffer.byteLength;
    }
  }

  emptyCache(): void {
    this.pool.clear();
    this.byAge.clear();
    this.stats.pooledBytes = 0;
  }

  /** Starts a new peak from what is live now, and trims the pool to the budget that leaves. */
  resetPeak(): void {
    this.stats.peakBytes = this.stats.liveBytes;
    this.trim(this.poolBudget());
  }
}

/** Larger classes a request may be served from: four steps is one power of two, so at most 2x the bytes. */
const CLASS_REACH = 4;

const poolKey = (classBytes: number, shared: boolean): string => `${shared ? 's' : 'p'}${classBytes}`;

function isShared(array: TypedArray): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && array.buffer instanceof SharedArrayBuffer;
}

/** `length` elements of `dtype` at the start of `source`'s buffer; `source` itself when it already is that view. */
function viewAs<D extends DType>(dtype: D, source: TypedArray, length: number): StorageArrayOf[D] {
  const Ctor = VIEW[dtype] as unknown as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => StorageArrayOf[D];
  if (source.constructor === Ctor && source.length === length && source.byteOffset === 0) return source as StorageArrayOf[D];
  return new Ctor(source.buffer, 0, length);
}

const VIEW: Readonly<Record<DType, unknown>> = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array, float16: Uint16Array, bfloat16: Uint16Array,
};
