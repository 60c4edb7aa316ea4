import { CachingAllocator, HostMemory, registerDevice } from '@mta/core';
import { registerCpuKernels } from './register.js';

/**
 * The cpu device: host typed-array storage and straightforward, allocation-free kernels. Importing this
 * module registers the device and all its kernels.
 */
export { registerCpuKernels } from './register.js';
export { gemm } from './kernels/matmul.js';

// Maps of 1 MiB and more live in SharedArrayBuffers, so multi-threaded kernels (the fused MTA) use them in place.
registerDevice({ name: 'cpu', description: 'host CPU (typed-array kernels)', memory: new HostMemory(new CachingAllocator(2 ** 30, 2 ** 20)) });
registerCpuKernels();
