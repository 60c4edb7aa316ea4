import { registerBandMaskKernel } from './band-mask.js';
import { registerCastKernel } from './cast.js';
import { registerConcatKernel } from './concat.js';
import { registerConvKernels } from './conv.js';
import { registerContiguousKernel } from './contiguous.js';
import { registerElementwiseKernels } from './elementwise.js';
import { registerIndexingKernels } from './indexing.js';
import { registerMatmulKernel } from './matmul.js';
import { registerOptimizerKernels } from './optimizer.js';
import { registerPadKernel } from './pad.js';
import { registerReduceKernels } from './reduce.js';
import { registerSoftmaxKernels } from './softmax.js';

/**
 * The primitive kernels of the webgpu device; returns one disposer. Kernels are module constants, so
 * registering again while registered changes nothing.
 */
export function registerWebgpuKernels(): () => void {
  const disposers = [
    registerContiguousKernel(), registerElementwiseKernels(), registerCastKernel(), registerReduceKernels(), registerMatmulKernel(),
    registerSoftmaxKernels(), registerIndexingKernels(), registerBandMaskKernel(), registerPadKernel(), registerConcatKernel(), registerOptimizerKernels(),
    registerConvKernels(),
  ];
  return () => disposers.forEach((d) => d());
}
