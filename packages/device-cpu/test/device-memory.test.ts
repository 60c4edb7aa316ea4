import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  add, Device, fallbackStats, hostData, MissingKernelError, nativeOps, registerDevice, resetFallbackStats, setFallback, tensor, tidy,
  type DeviceBuffer, type DeviceMemory, type DType, type MemoryCounters, type TypedArray, newStorageArray,
} from '@mta/core';
import '../src/register';

/**
 * Core's device-memory contract, exercised with a device whose memory core cannot see: its buffers are
 * opaque handles into a private heap, reads are asynchronous only (as on a GPU). Everything core does with
 * such a tensor has to go through allocate / write / read / free.
 */
class OpaqueBuffer implements DeviceBuffer {
  constructor(readonly dtype: DType, readonly length: number, readonly id: number) {}
}

class OffHostMemory implements DeviceMemory<OpaqueBuffer> {
  private readonly heap = new Map<number, TypedArray>();
  private nextId = 1;
  frees = 0;
  writes = 0;
  private live = 0;
  allocate(dtype: DType, length: number): OpaqueBuffer {
    const b = new OpaqueBuffer(dtype, length, this.nextId++);
    this.heap.set(b.id, newStorageArray(dtype, length));
    this.live += length;
    return b;
  }
  free(b: OpaqueBuffer): void { this.heap.delete(b.id); this.live -= b.length; this.frees++; }
  write(b: OpaqueBuffer, offset: number, source: TypedArray): void { this.writes++; this.heap.get(b.id)!.set(source, offset); }
  read(b: OpaqueBuffer, offset: number, length: number): Promise<TypedArray> {
    return new Promise((resolve) => setTimeout(() => resolve(this.heap.get(b.id)!.slice(offset, offset + length)), 1));
  }
  counters(): MemoryCounters { return { liveBytes: this.live * 4, peakBytes: 0, pooledBytes: 0, allocations: this.nextId - 1, poolHits: 0 }; }
  emptyCache(): void {}
  resetPeak(): void {}
}

const OFF_HOST = 'off-host-test-device';
const LENIENT = 'lenient-test-device';
const memory = new OffHostMemory();
const disposers: (() => void)[] = [];
beforeAll(() => {
  disposers.push(registerDevice(new Device({ name: OFF_HOST, memory })));
  disposers.push(registerDevice(new Device({ name: LENIENT, fallback: 'cpu' })));
});
afterAll(() => disposers.forEach((d) => d()));
afterEach(() => { setFallback({ enabled: 'device', strict: false, onFirstFallback: null }); resetFallbackStats(); });

describe('a device that owns its memory', () => {
  it('creation writes through the device, and tensor.data() reads back views in row-major order', async () => {
    const writesBefore = memory.writes;
    const t = tensor([[1, 2, 3], [4, 5, 6]], { device: OFF_HOST });
    expect(memory.writes).toBe(writesBefore + 1);
    expect(Array.from(await t.data())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(await t.permute([1, 0]).data())).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(await t.slice([0, 1], [2, 3]).data())).toEqual([2, 3, 5, 6]);
    t.dispose();
  });

  it('tensor() hands a typed array to the device once, and the tensor never aliases it (cpu and an opaque device)', async () => {
    for (const device of ['cpu', OFF_HOST]) {
      const src = new Float32Array([1, 2, 3]);
      const t = tensor(src, { device });
      src[1] = 99;
      expect(Array.from(await t.data()), device).toEqual([1, 2, 3]);
      t.dispose();
    }
  });

  it('a synchronous read is refused with the way out, and host kernels cannot reach its bytes', () => {
    const t = tensor([1, 2], { device: OFF_HOST });
    expect(() => t.toArray()).toThrow(/device 'off-host-test-device' reads its memory asynchronously; use `await tensor.data\(\)`/);
    expect(() => hostData(t)).toThrow(/device 'off-host-test-device' keeps its memory off the host.*await tensor\.data\(\)/);
    t.dispose();
  });

  it('the last view disposed gives the buffer back to the device', () => {
    const frees = memory.frees;
    tidy(() => { tensor([1, 2, 3, 4], { device: OFF_HOST }).reshape([2, 2]).permute([1, 0]); });
    expect(memory.frees).toBe(frees + 1);
  });

  it('memoryStats() joins core\'s live tensor count with the device\'s counters', () => {
    const device = new Device({ name: 'stats-probe', memory: new OffHostMemory() });
    const dispose = registerDevice(device);
    const t = tensor([1, 2, 3], { device: 'stats-probe' });
    expect(device.memoryStats()).toMatchObject({ liveTensors: 1, liveBytes: 12, allocations: 1 });
    t.dispose();
    expect(device.memoryStats()).toMatchObject({ liveTensors: 0, liveBytes: 0 });
    dispose();
  });
});

describe('the fallback policy', () => {
  it('a device with the default policy refuses a missing kernel and says how to allow fallback', () => {
    const t = tensor([1, 2], { device: OFF_HOST });
    let error: unknown;
    try { add(t, t); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(MissingKernelError);
    expect((error as Error).message).toMatch(/no kernel for op 'Add' on device 'off-host-test-device'.*its policy is 'error'.*setFallback\(\{ enabled: true \}\)/);
    t.dispose();
  });

  it("a device with policy 'cpu' falls back, counted, announced once per op", () => {
    const notice = vi.fn();
    setFallback({ onFirstFallback: notice });
    const values = tidy(() => {
      const a = tensor([1, 2], { device: LENIENT });
      const once = add(a, a);
      return add(once, a).toNumbers();
    });
    expect(values).toEqual([3, 6]);
    expect(fallbackStats().get(`Add@${LENIENT}`)).toBe(2);
    expect(notice).toHaveBeenCalledTimes(1);
    expect(notice).toHaveBeenCalledWith('Add', LENIENT);
  });

  it('strict mode refuses fallback whatever the device allows', () => {
    setFallback({ strict: true });
    const a = tensor([1, 2], { device: LENIENT });
    expect(() => add(a, a)).toThrow(/strict mode/);
    a.dispose();
  });

  it('a device runs natively exactly the ops with a kernel registered for it', () => {
    expect(nativeOps(LENIENT)).toEqual([]);
    expect(nativeOps('cpu').map((op) => op.name)).toContain('Add');
  });
});

describe('a tensor the garbage collector takes undisposed', () => {
  it('gives its buffer back and stops being counted', async () => {
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    const device = new Device({ name: 'gc-probe', memory: new OffHostMemory() });
    const dispose = registerDevice(device);
    const before = device.memoryStats();
    // Made and dropped in a function frame, so nothing here keeps them reachable.
    ((): void => { for (let i = 0; i < 50; i++) tensor([i, i + 1], { device: 'gc-probe' }).reshape([2, 1]); })();
    expect(device.memoryStats().liveTensors).toBe(before.liveTensors + 100);
    for (let round = 0; round < 20 && device.memoryStats().liveTensors > before.liveTensors; round++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(device.memoryStats()).toMatchObject({ liveTensors: before.liveTensors, liveBytes: before.liveBytes });
    dispose();
  });
});
