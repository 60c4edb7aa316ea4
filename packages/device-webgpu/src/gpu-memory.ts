import { bytesPerElement, newStorageArray, type DeviceBuffer, type DeviceMemory, type DType, type MemoryCounters, type TypedArray } from '@mta/core';
import { BufferUsage, MapMode } from './gpu-flags.js';
import { sizeClass } from './size-class.js';
import { faultError, KERNEL_FAULT_WORDS } from './kernel-faults.js';
import { ReadbackStaging } from './readback-staging.js';

/** A tensor's storage on the webgpu device: a GPUBuffer of the buffer's size class (its capacity). */
export class GpuBuffer implements DeviceBuffer {
  /**
   * The fault words of the kernel that wrote this buffer, when it checks its input (kernel-faults.ts):
   * reading the buffer rejects with the fault for as long as it lives, since its values are not the op's.
   */
  faults: GPUBuffer | null = null;
  constructor(readonly dtype: DType, readonly length: number, readonly gpuBuffer: GPUBuffer, readonly capacity: number) {}
  get byteLength(): number { return this.length * bytesPerElement(this.dtype); }
}

/** Usage of every pooled buffer: kernels bind it as storage; writes, reads and copies go through the queue. */
const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
/**
 * Buffers no larger than this may also be bound as uniforms (a convolution's weights through the uniform
 * path; `ComputeBatch.bindUniform`); larger ones, which no uniform binding could hold, are storage only.
 */
export const UNIFORM_CAPABLE_BYTES = 64 * 1024;
const usageFor = (capacity: number): number => (capacity <= UNIFORM_CAPABLE_BYTES ? STORAGE_USAGE | BufferUsage.UNIFORM : STORAGE_USAGE);

/** What the memory needs from the device it lives on (set once the asynchronous init found a GPU). */
export interface GpuMemoryHost {
  readonly device: GPUDevice;
  /** Rejects reads after a GPU error, so a failed kernel never reads back as plausible numbers. */
  readonly firstError: () => Error | null;
  /** The kernels' fault words (kernel-faults.ts): every read copies them back with its data and reports a fault once. */
  readonly faults?: GPUBuffer;
}

/**
 * GPU memory behind core's DeviceMemory: a caching allocator of GPUBuffers by size class, writes through
 * `queue.writeBuffer` (ordered with the kernels' submits, so a buffer freed while queued work still reads
 * it can be handed out again: the next write or kernel runs after that work), and reads through a staging
 * buffer and mapAsync. There is no synchronous read: `tensor.toArray()` says to `await tensor.data()`.
 */
export class GpuMemory implements DeviceMemory<GpuBuffer> {
  private host: GpuMemoryHost | null = null;
  private readonly pool = new Map<number, GPUBuffer[]>();
  /** Parked buffers, longest-parked first (a Map keeps insertion order): who is destroyed to make room. */
  private readonly parkedOrder = new Map<GPUBuffer, number>();
  /** Mappable buffers reads copy through, reused (see readback-staging.ts). */
  private readonly staging = new ReadbackStaging();
  private readonly stats: MemoryCounters = { liveBytes: 0, peakBytes: 0, pooledBytes: 0, allocations: 0, poolHits: 0 };
  /**
   * The largest live total since the pool was last emptied: what the pool budgets for. Apart from
   * `stats.peakBytes`, which a harness restarts before each run to report that run's peak: when restarting the
   * reported peak also shrank the pool, the bench's L = 8192 rows (2 GiB maps, 4 GiB parked between runs)
   * destroyed and re-created a map every run (H200: forward 140-149 ms in the bench against 16.5 ms in a
   * loop that restarted the peak once).
   */
  private workingSetPeak = 0;

  /**
   * @param maxPooledBytes bytes the pool may park, or, when larger, the largest working set so far less what
   *   is live: a call whose buffers exceed the cap (one L = 8192 map is 2 GiB) reuses them call after call
   *   instead of creating them anew (measured on an H200 at L = 8192: forward 247 ms with a 2 GiB pool, 18.4 ms
   *   with room for the working set). Buffers freed beyond the budget are destroyed; `emptyCache()` gives back
   *   every parked buffer and starts the working set anew. `resetPeak()` only restarts the reported peak.
   */
  constructor(public maxPooledBytes = 2 ** 31) {}

  attach(host: GpuMemoryHost | null): void {
    if (host === null) this.emptyCache();
    this.host = host;
  }

  private get gpu(): GPUDevice {
    if (!this.host) throw new Error("webgpu memory: the device is not initialised: await initDevice('webgpu') first");
    return this.host.device;
  }

  allocate(dtype: DType, length: number, zero: boolean): GpuBuffer {
    const buffer = this.acquire(length * bytesPerElement(dtype));
    const out = new GpuBuffer(dtype, length, buffer, buffer.size);
    if (zero) {
      const encoder = this.gpu.createCommandEncoder();
      encoder.clearBuffer(buffer);
      this.gpu.queue.submit([encoder.finish()]);
    }
    return out;
  }

  /**
   * A raw GPUBuffer of at least `bytes` from the pool, counted as live until `release`: kernels take their
   * scratch space here.
   */
  acquire(bytes: number): GPUBuffer {
    const maxBytes = this.gpu.limits.maxBufferSize;
    if (bytes > maxBytes) {
      throw new Error(`webgpu memory: a buffer of ${bytes} bytes is larger than this adapter's maxBufferSize (${maxBytes} bytes)`);
    }
    // Near the limit the size class may not fit; such a buffer is sized exactly (and pooled under that size).
    const classBytes = sizeClass(bytes);
    const capacity = classBytes <= maxBytes ? classBytes : Math.ceil(bytes / 4) * 4;
    const parked = this.pool.get(capacity);
    let buffer = parked?.pop();
    if (buffer) {
      this.parkedOrder.delete(buffer);
      this.stats.poolHits++;
      this.stats.pooledBytes -= capacity;
    } else {
      buffer = this.gpu.createBuffer({ size: capacity, usage: usageFor(capacity) });
      this.stats.allocations++;
    }
    this.stats.liveBytes += capacity;
    this.stats.peakBytes = Math.max(this.stats.peakBytes, this.stats.liveBytes);
    this.workingSetPeak = Math.max(this.workingSetPeak, this.stats.liveBytes);
    return buffer;
  }

  /** Gives back a buffer from `acquire` (safe while queued work still uses it: reuse is queue-ordered). */
  release(buffer: GPUBuffer): void {
    const capacity = buffer.size;
    this.stats.liveBytes -= capacity;
    const budget = this.poolBudget();
    if (this.host === null || capacity > budget) {
      buffer.destroy();
      return;
    }
    // The buffer just freed is the likeliest to be asked for again (the next call of the same shape): make room
    // for it by destroying the longest-parked buffers. Keeping those instead made every call of a new shape
    // create its buffers anew once earlier shapes had filled the pool (H200, L = 4096 after smaller L in one
    // process: forward 70 ms wall against 6.3 ms of GPU time).
    for (const [old, oldCapacity] of this.parkedOrder) {
      if (this.stats.pooledBytes + capacity <= budget) break;
      this.unpark(old, oldCapacity);
      old.destroy();
    }
    let parked = this.pool.get(capacity);
    if (!parked) this.pool.set(capacity, (parked = []));
    parked.push(buffer);
    this.parkedOrder.set(buffer, capacity);
    this.stats.pooledBytes += capacity;
  }

  /** Takes a parked buffer out of the pool (the caller destroys or hands it out). */
  private unpark(buffer: GPUBuffer, capacity: number): void {
    const parked = this.pool.get(capacity)!;
    parked.splice(parked.indexOf(buffer), 1);
    if (parked.length === 0) this.pool.delete(capacity);
    this.parkedOrder.delete(buffer);
    this.stats.pooledBytes -= capacity;
  }

  /** A collected buffer is pooled too: no host code can see a GPUBuffer's bytes, so nothing outside aliases it. */
  free(buffer: GpuBuffer): void {
    if (buffer.faults) this.release(buffer.faults);
    buffer.faults = null;
    this.release(buffer.gpuBuffer);
  }

  write(buffer: GpuBuffer, offset: number, source: TypedArray): void {
    const bpe = bytesPerElement(buffer.dtype);
    const byteOffset = offset * bpe;
    if (byteOffset % 4 !== 0) {
      throw new Error(`webgpu memory: a write at element ${offset} of a ${buffer.dtype} buffer starts at byte ${byteOffset}; ` +
        'WebGPU writes start at multiples of 4 bytes: write a contiguous tensor that starts at an aligned element');
    }
    let bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    if (bytes.byteLength % 4 !== 0) {
      // The zero padding would land on the elements after the range (a float16 or bool sharing the last word).
      if (offset + source.length < buffer.length) {
        throw new Error(`webgpu memory: a write of ${source.length} ${buffer.dtype} elements at element ${offset} ends inside a 4-byte word ` +
          `whose other bytes hold elements ${offset + source.length}.. of the buffer; WebGPU writes whole words: write up to the end of the buffer, or a range of whole words`);
      }
      // WebGPU writes whole 4-byte words; the buffer's capacity always covers the rounded-up size.
      const padded = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
      padded.set(bytes);
      bytes = padded;
    }
    this.gpu.queue.writeBuffer(buffer.gpuBuffer, byteOffset, bytes, 0, bytes.byteLength);
  }

  /** A queue-ordered copy on the GPU (an optimizer's in-place update): after the kernels that wrote `source`, before later ones. */
  copy(source: GpuBuffer, sourceOffset: number, target: GpuBuffer, targetOffset: number, length: number): void {
    const bpe = bytesPerElement(source.dtype);
    const [from, to, bytes] = [sourceOffset * bpe, targetOffset * bpe, length * bpe];
    if (from % 4 !== 0 || to % 4 !== 0 || bytes % 4 !== 0) {
      throw new Error(`webgpu memory: a copy of ${length} ${source.dtype} elements from element ${sourceOffset} to element ${targetOffset} ` +
        'is not in whole 4-byte words, which is all WebGPU copies; copy 32-bit tensors or aligned ranges');
    }
    if (bytes === 0) return;
    const encoder = this.gpu.createCommandEncoder();
    encoder.copyBufferToBuffer(source.gpuBuffer, from, target.gpuBuffer, to, bytes);
    this.gpu.queue.submit([encoder.finish()]);
  }

  async read(buffer: GpuBuffer, offset: number, length: number): Promise<TypedArray> {
    const out = newStorageArray(buffer.dtype, length);
    if (length === 0) return out;
    const bpe = bytesPerElement(buffer.dtype);
    const start = offset * bpe;
    const alignedStart = start - (start % 4);
    const alignedEnd = Math.ceil((start + length * bpe) / 4) * 4;
    const size = alignedEnd - alignedStart;
    const device = this.gpu;
    // The device's fault words (any kernel since the last report) and the ones of the kernel that wrote this buffer.
    const faultSources = [buffer.faults, this.host?.faults ?? null];
    const faultBytes = KERNEL_FAULT_WORDS * 4;
    const staging = this.staging.take(device, size + 2 * faultBytes);
    let mapped = false;
    try {
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(buffer.gpuBuffer, alignedStart, staging, 0, size);
      faultSources.forEach((f, k) => { if (f) encoder.copyBufferToBuffer(f, 0, staging, size + k * faultBytes, faultBytes); });
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MapMode.READ, 0, size + 2 * faultBytes);
      mapped = true;
      const error = this.host?.firstError();
      if (error) throw new Error(`webgpu: an earlier GPU command failed, so this read cannot be trusted: ${error.message}`);
      const range = staging.getMappedRange(0, size + 2 * faultBytes);
      const [own, deviceWide] = faultSources.map((f, k) => (f ? faultError(new Uint32Array(range, size + k * faultBytes, KERNEL_FAULT_WORDS)) : null));
      const fault = own ?? deviceWide;
      if (fault) {
        // The device's words are reported once (cleared after the work that set them, before any later kernel);
        // a buffer's own stay, since its values stay wrong.
        if (this.host?.faults) device.queue.writeBuffer(this.host.faults, 0, new Uint32Array(KERNEL_FAULT_WORDS));
        throw fault;
      }
      new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(new Uint8Array(range, start - alignedStart, length * bpe));
    } catch (error) {
      // A failed map (device lost, validation) leaves the buffer in an unknown state: not for reuse.
      if (!mapped) {
        staging.destroy();
        throw error;
      }
      staging.unmap();
      this.staging.give(staging);
      throw error;
    }
    staging.unmap();
    this.staging.give(staging);
    return out;
  }

  counters(): Readonly<MemoryCounters> {
    return { ...this.stats };
  }

  emptyCache(): void {
    for (const parked of this.pool.values()) for (const b of parked) b.destroy();
    this.pool.clear();
    this.parkedOrder.clear();
    this.staging.clear();
    this.stats.pooledBytes = 0;
    this.workingSetPeak = this.stats.liveBytes;
  }

  /** What the pool may park now: the cap, or the largest working set so far less what is live, whichever is larger. */
  poolBudget(): number {
    return Math.max(this.maxPooledBytes, this.workingSetPeak - this.stats.liveBytes);
  }

  /** Starts the reported peak (`counters().peakBytes`) anew from what is live now; the pool is left as it is. */
  resetPeak(): void {
    this.stats.peakBytes = this.stats.liveBytes;
  }
}
