import { Device, Exp, registerDevice, registerKernel, newStorageArray, type DeviceBuffer, type DeviceMemory, type DType,
  type KernelArgs, type MemoryCounters, type TypedArray, type UnaryAttrs } from '@mta/core';

/** Device memory: a private heap that core reaches only through these methods (a GPU would hold GPUBuffers). */
interface HeapBuffer extends DeviceBuffer { readonly id: number }
class Heap implements DeviceMemory<HeapBuffer> {
  readonly arrays = new Map<number, TypedArray>();
  private next = 0;
  allocate(dtype: DType, length: number): HeapBuffer {
    this.arrays.set(++this.next, newStorageArray(dtype, length));
    return { dtype, length, id: this.next };
  }
  free(b: HeapBuffer): void { this.arrays.delete(b.id); }
  write(b: HeapBuffer, offset: number, src: TypedArray): void { this.arrays.get(b.id)!.set(src, offset); }
  readSync(b: HeapBuffer, offset: number, n: number): TypedArray { return this.arrays.get(b.id)!.slice(offset, offset + n); }
  read(b: HeapBuffer, offset: number, n: number): Promise<TypedArray> { return Promise.resolve(this.readSync(b, offset, n)); }
  counters(): MemoryCounters { return { liveBytes: 0, peakBytes: 0, pooledBytes: 0, allocations: this.next, poolHits: 0 }; }
  emptyCache(): void {}
  resetPeak(): void {}
}

/** One native kernel (exp of float32); every other op falls back to cpu, counted and announced once. */
export const heap = new Heap();
export const tinyDevice = new Device({ name: 'tiny', memory: heap, fallback: 'cpu' });
export function registerTiny(): () => void {
  const disposers = [registerDevice(tinyDevice), registerKernel(Exp, 'tiny', ({ inputs: [x], outputs: [y] }: KernelArgs<UnaryAttrs>) => {
    const src = heap.arrays.get((x!.storage.buffer as HeapBuffer).id)!, dst = heap.arrays.get((y!.storage.buffer as HeapBuffer).id)!;
    for (let i = 0; i < y!.size; i++) dst[i] = Math.exp(src[x!.offset + i]!); // inputs arrive contiguous
  })];
  return () => disposers.forEach((d) => d());
}
