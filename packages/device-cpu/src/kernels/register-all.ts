import { registerElementwiseKernels } from './elementwise.js';
import { registerCastKernels } from './cast.js';
import { registerReduceKernels } from './reduce.js';
import { registerMatmulKernels } from './matmul.js';
import { registerSoftmaxKernels } from './softmax.js';
import { registerBandMaskKernels } from './band-mask.js';
import { registerConv2dKernels } from './conv2d.js';
import { registerIndexingKernels } from './indexing.js';
import { registerPadKernels } from './pad.js';
import { registerConcatKernels } from './concat.js';
import { registerContiguousKernels } from './contiguous.js';
import { registerOptimizerKernels } from './optimizer.js';

/**
 * Registers every cpu kernel; returns one disposer that removes them all. Kernel functions are module
 * constants, so calling this again while registered is a no-op (and its disposer removes nothing).
 */
export function registerCpuKernels(): () => void {
  const disposers = [
    registerElementwiseKernels, registerCastKernels, registerReduceKernels, registerMatmulKernels,
    registerSoftmaxKernels, registerBandMaskKernels, registerConv2dKernels, registerIndexingKernels,
    registerPadKernels, registerConcatKernels, registerContiguousKernels, registerOptimizerKernels,
  ].flatMap((register) => register());
  return () => { for (const dispose of disposers) dispose(); };
}
