import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  add, Device, registerDevice, sum, tensor,
  type DeviceBuffer, type DeviceMemory, type DType, type MemoryCounters, type TypedArray, newStorageArray,
} from '@mta/core';
import '../src/register';

/**
 * `tensor.toAsync(device)`: the move that works from a device whose memory reads only asynchronously
 * (a GPU), where `to()` and the cpu fallback, which read synchronously, cannot.
 */
class AsyncOnlyBuffer implements DeviceBuffer {
  constructor(readonly dtype: DType, readonly array: TypedArray) {}
  get length(): number { return this.array.length; }
}

class AsyncOnlyMemory implements DeviceMemory<AsyncOnlyBuffer> {
  reads = 0;
  allocate(dtype: DType, length: number): AsyncOnlyBuffer { return new AsyncOnlyBuffer(dtype, newStorageArray(dtype, length)); }
  free(): void {}
  write(b: AsyncOnlyBuffer, offset: number, source: TypedArray): void { b.array.set(source, offset); }
  read(b: AsyncOnlyBuffer, offset: number, length: number): Promise<TypedArray> {
    this.reads++;
    return new Promise((resolve) => setTimeout(() => resolve(b.array.slice(offset, offset + length)), 1));
  }
  counters(): MemoryCounters { return { liveBytes: 0, peakBytes: 0, pooledBytes: 0, allocations: 0, poolHits: 0 }; }
  emptyCache(): void {}
  resetPeak(): void {}
}

const NAME = 'async-only-test-device';
const memory = new AsyncOnlyMemory();
let dispose: () => void = () => undefined;
beforeAll(() => { dispose = registerDevice(new Device({ name: NAME, memory })); });
afterAll(() => dispose());

describe('tensor.toAsync', () => {
  it('moves off an async-only device through its async read, views in row-major order', async () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]], { device: NAME });
    const reads = memory.reads;
    const onCpu = await t.permute([1, 0]).toAsync('cpu');
    expect(memory.reads).toBe(reads + 1);
    expect(onCpu.device.name).toBe('cpu');
    expect(onCpu.shape).toEqual([3, 2]);
    expect(Array.from(onCpu.toArray())).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('to() from an async-only device refuses and names toAsync', () => {
    const t = tensor([1, 2], { device: NAME });
    expect(() => t.to('cpu')).toThrow(/reads its memory asynchronously\. Use `await tensor\.toAsync\('cpu'\)`/);
  });

  it('is recorded on the tape: the gradient moves back to the leaf on the async-only device', async () => {
    const leaf = tensor([1, 2, 3], { device: NAME, requiresGrad: true });
    const onCpu = await leaf.toAsync('cpu');
    expect(onCpu.requiresGrad).toBe(true);
    sum(add(onCpu, onCpu)).backward();
    expect(leaf.grad!.device.name).toBe(NAME);
    expect(Array.from(await leaf.grad!.data())).toEqual([2, 2, 2]);
  });

  it('a backward that would read the async-only device synchronously says how to avoid it', async () => {
    const leaf = tensor([1, 2, 3], { device: 'cpu', requiresGrad: true });
    const there = await leaf.toAsync(NAME);
    const back = await there.toAsync('cpu');
    // The gradient of the first move must come from NAME to cpu synchronously: refused, with the way out.
    expect(() => sum(back).backward()).toThrow(/reads its memory asynchronously\. Use `await tensor\.toAsync\('cpu'\)`/);
  });

  it('the same device gives the tensor itself', async () => {
    const t = tensor([1], { device: 'cpu' });
    expect(await t.toAsync('cpu')).toBe(t);
  });
});
