import { CachingAllocator, Device, HostMemory, registerDevice } from '@mta/core';
import { registerCpuKernels } from './kernels/register-all.js';

/**
 * Buffers of 1 MiB and more live in SharedArrayBuffers, so multi-threaded kernels (the fused MTA on Node)
 * compute on them in place. A browser page that is not cross-origin isolated has no SharedArrayBuffer
 * (and no worker pool to share with): there every buffer is a plain ArrayBuffer.
 */
const SHARED_ABOVE_BYTES = typeof SharedArrayBuffer === 'function' ? 2 ** 20 : Number.POSITIVE_INFINITY;

/** The cpu device: host typed-array memory and a kernel for every primitive. */
export const cpuDevice = new Device({
  name: 'cpu',
  description: 'host CPU (typed-array kernels)',
  // At most 32 MiB of freed buffers stay cached (size classes, trimmed past the cap): varying shapes
  // must not grow the heap without bound.
  memory: new HostMemory(new CachingAllocator(32 * 2 ** 20, SHARED_ABOVE_BYTES)),
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
