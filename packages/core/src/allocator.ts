import type { MemoryCounters } from './device-memory.js';
import { bytesPerElement, newStorageArray, type DType, type StorageArrayOf } from './dtype.js';

/**
 * A caching allocator: freed buffers go to a pool keyed by dtype and length and are handed out again.
 * First touch of fresh memory costs ~100 ms per 32 MiB on the machines we target (and glibc returns
 * large blocks to the OS on free), so reusing buffers is what keeps per-call cost flat.
 * Reused buffers hold old data: kernels must write every output element (the npu simulator checks this).
 */
export class CachingAllocator {
  private readonly pool = new Map<string, ArrayBufferView[]>();
  readonly stats: MemoryCounters = { liveBytes: 0, peakBytes: 0, pooledBytes: 0, allocations: 0, poolHits: 0 };

  /**
   * @param maxPooledBytes pool budget; buffers freed beyond it are dropped for the garbage collector.
   * @param sharedAboveBytes buffers at least this large live in SharedArrayBuffers, so a device's worker
   *   threads can compute on them without staging copies.
   */
  constructor(public maxPooledBytes = 2 ** 30, readonly sharedAboveBytes = Number.POSITIVE_INFINITY) {}

  alloc<D extends DType>(dtype: D, length: number, zero = false): StorageArrayOf[D] {
    const bytes = length * bytesPerElement(dtype);
    const key = `${dtype}:${length}`;
    const cached = this.pool.get(key)?.pop() as StorageArrayOf[D] | undefined;
    let array: StorageArrayOf[D];
    if (cached) {
      this.stats.poolHits++;
      this.stats.pooledBytes -= bytes;
      if (zero) cached.fill(0);
      array = cached;
    } else {
      this.stats.allocations++;
      array = newStorageArray(dtype, length, bytes >= this.sharedAboveBytes);
    }
    this.stats.liveBytes += bytes;
    if (this.stats.liveBytes > this.stats.peakBytes) this.stats.peakBytes = this.stats.liveBytes;
    return array;
  }

  /** Returns a buffer to the pool. Only call for buffers this allocator handed out. */
  free(dtype: DType, array: ArrayBufferView & { length: number }): void {
    const bytes = array.length * bytesPerElement(dtype);
    this.stats.liveBytes -= bytes;
    if (this.stats.pooledBytes + bytes > this.maxPooledBytes) return;
    const key = `${dtype}:${array.length}`;
    let list = this.pool.get(key);
    if (!list) this.pool.set(key, (list = []));
    list.push(array);
    this.stats.pooledBytes += bytes;
  }

  /** Forget a buffer that was garbage collected without being freed. */
  forget(bytes: number): void {
    this.stats.liveBytes -= bytes;
  }

  emptyCache(): void {
    this.pool.clear();
    this.stats.pooledBytes = 0;
  }

  resetPeak(): void {
    this.stats.peakBytes = this.stats.liveBytes;
  }
}
