import { CachingAllocator } from './allocator.js';
import type { DeviceBuffer, DeviceMemory, MemoryCounters } from './device-memory.js';
import type { DType, TypedArray } from './dtype.js';
import type { Storage } from './storage.js';
import type { Tensor } from './tensor.js';

/**
 * Device memory that lives in host typed arrays, behind a caching allocator: what the cpu device uses, and
 * what a simulated device (whose kernels run on the host) may use. Kernels of such devices reach the
 * elements with `hostData(tensor)`.
 */
export class HostBuffer implements DeviceBuffer {
  constructor(readonly dtype: DType, readonly array: TypedArray) {}
  get length(): number { return this.array.length; }
}

export class HostMemory implements DeviceMemory<HostBuffer> {
  constructor(readonly allocator: CachingAllocator = new CachingAllocator()) {}

  allocate(dtype: DType, length: number, zero: boolean): HostBuffer {
    return new HostBuffer(dtype, this.allocator.alloc(dtype, length, zero));
  }

  free(buffer: HostBuffer, collected: boolean): void {
    // A collected storage's array may still be referenced by a caller that took hostData() from it: never pool it.
    if (collected) this.allocator.forget(buffer.array);
    else this.allocator.free(buffer.dtype, buffer.array);
  }

  write(buffer: HostBuffer, offset: number, source: TypedArray): void {
    buffer.array.set(source, offset);
  }

  readSync(buffer: HostBuffer, offset: number, length: number): TypedArray {
    return buffer.array.slice(offset, offset + length);
  }

  read(buffer: HostBuffer, offset: number, length: number): Promise<TypedArray> {
    return Promise.resolve(this.readSync(buffer, offset, length));
  }

  counters(): Readonly<MemoryCounters> {
    const { liveBytes, peakBytes, pooledBytes, allocations, poolHits } = this.allocator.stats;
    return { liveBytes, peakBytes, pooledBytes, allocations, poolHits };
  }

  emptyCache(): void { this.allocator.emptyCache(); }
  resetPeak(): void { this.allocator.resetPeak(); }
}

/**
 * The host array behind a tensor or storage on a host-memory device (index it from `tensor.offset`).
 * For kernels of host-memory devices only; throws a clear error for devices that keep memory elsewhere.
 */
export function hostData(x: Tensor | Storage): TypedArray {
  const storage = 'storage' in x ? x.storage : x;
  const buffer = storage.buffer;
  if (buffer instanceof HostBuffer) return buffer.array;
  throw new Error(`device '${storage.device.name}' keeps its memory off the host, so host code cannot read its buffers directly: ` +
    `read a tensor with \`await tensor.data()\`, or move it with .to('cpu') first`);
}
