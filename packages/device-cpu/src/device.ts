import { CachingAllocator, Device, HostMemory, registerDevice } from '@mta/core';
import { registerCpuKernels } from './kernels/register-all.js';

/**
 * The cpu device: host typed-array memory and a kernel for every primitive. Buffers of 1 MiB and more live
 * in SharedArrayBuffers, so multi-threaded kernels (the fused MTA) compute on them in place.
 */
export const cpuDevice = new Device({
  name: 'cpu',
  description: 'host CPU (typed-array kernels)',
  memory: new HostMemory(new CachingAllocator(32 * 2 ** 20, 2 ** 20)),
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
