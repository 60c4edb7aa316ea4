import { registerElementwiseKernels } from './kernels/elementwise.js';
import { registerCastKernels } from './kernels/cast.js';
import { registerReduceKernels } from './kernels/reduce.js';
import { registerMatmulKernels } from './kernels/matmul.js';
import { registerSoftmaxKernels } from './kernels/softmax.js';
import { registerBandMaskKernels } from './kernels/band-mask.js';
import { registerConv2dKernels } from './kernels/conv2d.js';
import { registerIndexingKernels } from './kernels/indexing.js';
import { registerPadKernels } from './kernels/pad.js';
import { registerConcatKernels } from './kernels/concat.js';
import { registerContiguousKernels } from './kernels/contiguous.js';

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
