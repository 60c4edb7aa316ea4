import { CachingAllocator, Device, HostMemory, WasmArena, registerDevice } from '@mta/core';
import { registerCpuKernels } from './kernels/register-all.js';

/**
 * Buffers of 1 MiB and more live in SharedArrayBuffers, so multi-threaded kernels (the fused MTA on Node)
 * compute on them in place. A browser page that is not cross-origin isolated has no SharedArrayBuffer
 * (and no worker pool to share with): there every buffer is a plain ArrayBuffer.
 */
const SHARED_ABOVE_BYTES = typeof SharedArrayBuffer === 'function' ? 2 ** 20 : Number.POSITIVE_INFINITY;

/**
 * Where those shared buffers live while it has room: one shared WebAssembly.Memory (at most 4 GiB), which
 * the fused MTA kernels' wasm instances (on the calling thread and in every pool worker) import, so they
 * read and write the maps in place instead of copying each row in and out of the wasm memory. Larger
 * working sets spill to SharedArrayBuffers (and those kernels copy rows). The memory never shrinks: pages
 * the cpu device once used stay resident until the process ends (emptyCache() makes them reusable).
 */
export const cpuArena = new WasmArena();

/** The cpu device: host typed-array memory and a kernel for every primitive. */
export const cpuDevice = new Device({
  name: 'cpu',
  description: 'host CPU (typed-array kernels)',
  // Freed buffers stay cached in size classes up to 32 MiB, or up to the peak working set when that is
  // larger (retainPeak): varying shapes cannot grow the heap past the largest call's needs, and a call
  // whose maps exceed 32 MiB (L >= 1024) reuses its buffers instead of touching fresh pages every time.
  memory: new HostMemory(new CachingAllocator(32 * 2 ** 20, SHARED_ABOVE_BYTES, true, cpuArena)),
});

/**
 * Registers the cpu device and its kernels; returns a disposer that removes both. Calling it again while
 * registered changes nothing (the registries recognise the same device and kernel objects).
 */
export function registerCpu(): () => void {
  const disposeDevice = registerDevice(cpuDevice);
  const disposeKernels = registerCpuKernels();
  return () => { disposeKernels(); disposeDevice(); };
}
