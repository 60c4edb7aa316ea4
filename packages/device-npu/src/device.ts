import { CachingAllocator, Device, HostBuffer, HostMemory, registerDevice, type DType, type MemoryCounters, type TypedArray } from '@mta/core';
import { npuArena } from './npu-arena.js';
import type { NpuCorePool } from './parallel.js';
import { NpuSimulator } from './sim.js';
import { configureNpu, currentNpuSpec, type NpuSpec, type NpuSpecOptions } from './spec.js';

/**
 * The `npu` device of the framework: tensors live in host memory (the simulated GM is filled from them at
 * each kernel boundary) and kernels run in one NpuSimulator built from the current spec. Poison mode is on
 * by default: it is what makes an unwritten output element fail loudly.
 */
export interface NpuDeviceOptions extends NpuSpecOptions {
  /** Outputs start as NaN and every element must be written (default true). */
  readonly poison?: boolean;
}

let simulator: NpuSimulator | null = null;
let poison = true;
let corePool: NpuCorePool | null = null;

/**
 * Host memory whose emptyCache() also drops the simulator's pooled GM, so `emptyCache` frees both. While the
 * simulator has a core pool, tensors of 64 KiB and more come from a second allocator that puts them in the
 * simulator's shared wasm memory (npu-arena.ts; SharedArrayBuffers where it has no room), so the threads of a
 * parallel launch (parallel.ts) read and write them in place and the cores' DMA copies them with memory.copy;
 * without a pool they stay in plain memory (TypedArray.set copies a SharedArrayBuffer about twice as slowly).
 */
class NpuHostMemory extends HostMemory {
  readonly shared = new CachingAllocator(16 * 2 ** 20, 64 * 1024, true, npuArena);
  readonly #fromShared = new WeakSet<TypedArray>();

  override allocate(dtype: DType, length: number, zero: boolean): HostBuffer {
    if (corePool === null) return super.allocate(dtype, length, zero);
    const array = this.shared.alloc(dtype, length, zero);
    this.#fromShared.add(array);
    return new HostBuffer(dtype, array);
  }

  override free(buffer: HostBuffer, collected: boolean): void {
    if (!this.#fromShared.has(buffer.array)) {
      super.free(buffer, collected);
      return;
    }
    this.#fromShared.delete(buffer.array);
    if (collected) this.shared.forget(buffer.array);
    else this.shared.free(buffer.dtype, buffer.array);
  }

  override counters(): Readonly<MemoryCounters> {
    const a = super.counters();
    const b = this.shared.stats;
    // Only one of the two is in use unless the pool came or went mid-run; the peak is then an upper bound.
    return {
      liveBytes: a.liveBytes + b.liveBytes, peakBytes: a.peakBytes + b.peakBytes, pooledBytes: a.pooledBytes + b.pooledBytes,
      allocations: a.allocations + b.allocations, poolHits: a.poolHits + b.poolHits,
    };
  }

  override emptyCache(): void {
    super.emptyCache();
    this.shared.emptyCache();
    simulator?.emptyCache();
  }

  override resetPeak(): void {
    super.resetPeak();
    this.shared.resetPeak();
  }
}

export const npuDevice = new Device({
  name: 'npu',
  description: 'simulated Ascend A2-class NPU (Unified Buffer planner + simulator)',
  // The simulated chip runs only the kernels op packages register for it; the rest of a model runs on the host.
  fallback: 'cpu',
  // Tensors on the npu are staged into the simulator's GM, which pools its own buffers: a smaller host pool
  // keeps the two together within the varying-shapes memory bound (reliability.md). Like the cpu's, it keeps
  // the peak working set (retainPeak): an L = 1024 map is 32 MiB, and fresh pages cost ~100 ms per 32 MiB.
  memory: new NpuHostMemory(new CachingAllocator(16 * 2 ** 20, Number.POSITIVE_INFINITY, true)),
});

/** Registers the npu device; returns a disposer. Calling it again while registered changes nothing. */
export function registerNpu(): () => void {
  return registerDevice(npuDevice);
}

/** Sets the spec (UB size, cores, ...) and poison mode of the npu device; later kernels use a fresh simulator. */
export function configureNpuDevice(options: NpuDeviceOptions = {}): NpuSpec {
  const { poison: p, ...specOptions } = options;
  if (p !== undefined) poison = p;
  simulator = null;
  return configureNpu(specOptions);
}

/** The simulator npu kernels run in; explain() on it reports the last kernels' plans, UB peaks and traffic. */
export function npuSimulator(): NpuSimulator {
  const spec = currentNpuSpec();
  if (!simulator || simulator.spec !== spec) simulator = new NpuSimulator(spec, { poison, corePool });
  return simulator;
}

/**
 * The threads the device's simulator runs parallel launches on (null: every launch on the calling thread).
 * An op package that brings worker-side kernel bodies starts a pool and hands it here (ops-mta:
 * startMtaNpuThreads, MTA_NPU_THREADS).
 */
export function setNpuCorePool(pool: NpuCorePool | null): void {
  corePool = pool;
  if (simulator) simulator.corePool = pool;
}
