import { registerDevice } from '@mta/core';
import { registerCpuKernels } from './register';

/**
 * The cpu device: host typed-array storage and straightforward, allocation-free kernels. Importing this
 * module registers the device and all its kernels.
 */
export { registerCpuKernels } from './register';
export { gemm } from './kernels/matmul';

registerDevice({ name: 'cpu', description: 'host CPU (typed-array kernels)' });
registerCpuKernels();
