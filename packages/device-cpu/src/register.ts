import { registerElementwiseKernels } from './kernels/elementwise';
import { registerCastKernels } from './kernels/cast';
import { registerReduceKernels } from './kernels/reduce';
import { registerMatmulKernels } from './kernels/matmul';
import { registerSoftmaxKernels } from './kernels/softmax';
import { registerBandMaskKernels } from './kernels/band-mask';
import { registerConv2dKernels } from './kernels/conv2d';
import { registerIndexingKernels } from './kernels/indexing';
import { registerPadKernels } from './kernels/pad';
import { registerConcatKernels } from './kernels/concat';
import { registerContiguousKernels } from './kernels/contiguous';

/**
 * Registers every cpu kernel; returns one disposer that removes them all. Kernel functions are module
 * constants, so calling this again while registered is a no-op (and its disposer removes nothing).
 */
export function registerCpuKernels(): () => void {
  const disposers = [
    registerElementwiseKernels, registerCastKernels, registerReduceKernels, registerMatmulKernels,
    registerSoftmaxKernels, registerBandMaskKernels, registerConv2dKernels, registerIndexingKernels,
    registerPadKernels, registerConcatKernels, registerContiguousKernels,
  ].flatMap((register) => register());
  return () => { for (const dispose of disposers) dispose(); };
}
