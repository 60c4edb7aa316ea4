import type { DType, TypedArray } from './dtype.js';

/**
 * The contract between core and a device's memory. Core never touches a device's bytes: it asks the
 * device to allocate, free, write from the host and read to the host. A tensor holds a `DeviceBuffer`
 * (through its Storage) plus its dtype, shape, strides and offset; what the buffer is (a typed array, a
 * GPUBuffer, simulated HBM) is the device's business.
 */
export interface DeviceBuffer {
  readonly dtype: DType;
  /** Elements (not bytes). */
  readonly length: number;
}

/** Byte counters a device's memory keeps; core adds its own count of live tensors on top. */
export interface MemoryCounters {
  /** Bytes held by live buffers. */
  liveBytes: number;
  /** High-water mark of liveBytes since the last resetPeak(). */
  peakBytes: number;
  /** Bytes parked in a cache, ready for reuse. */
  pooledBytes: number;
  /** Fresh allocations and cache hits since start. */
  allocations: number;
  poolHits: number;
}

export interface DeviceMemory<B extends DeviceBuffer = DeviceBuffer> {
  /** A buffer of `length` elements; contents undefined unless `zero`. */
  allocate(dtype: DType, length: number, zero: boolean): B;
  /**
   * Gives a buffer back. `collected` says its storage was garbage-collected without being disposed: the
   * device must stop counting it, and should not hand it out again if anything outside could still see it.
   */
  free(buffer: B, collected: boolean): void;
  /** Copies host elements (the dtype's storage array: bit patterns for half types) into buffer[offset...]. */
  write(buffer: B, offset: number, source: TypedArray): void;
  /**
   * Copies buffer[offset, offset + length) into a fresh host array. Devices whose memory is not
   * host-visible leave this out; `tensor.toArray()` then tells the caller to `await tensor.data()`.
   */
  readSync?(buffer: B, offset: number, length: number): TypedArray;
  /** The asynchronous read every device has (a GPU maps a staging buffer; a host device just copies). */
  read(buffer: B, offset: number, length: number): Promise<TypedArray>;
  /**
   * Copies source[sourceOffset, + length) into target[targetOffset...] on the device, in the order of its
   * other work (same dtype). Optional: in-place updates (an optimizer step) use it where there is no
   * synchronous read, and go through the host where there is.
   */
  copy?(source: B, sourceOffset: number, target: B, targetOffset: number, length: number): void;
  counters(): Readonly<MemoryCounters>;
  /** Drops cached buffers. */
  emptyCache(): void;
  resetPeak(): void;
}
