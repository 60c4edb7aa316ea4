import { registerCastKernel } from './cast.js';
import { registerContiguousKernel } from './contiguous.js';
import { registerElementwiseKernels } from './elementwise.js';
import { registerSumKernel } from './reduce.js';

/**
 * The primitive kernels of the webgpu device; returns one disposer. Kernels are module constants, so
 * registering again while registered changes nothing.
 */
export function registerWebgpuKernels(): () => void {
  const disposers = [registerContiguousKernel(), registerElementwiseKernels(), registerCastKernel(), registerSumKernel()];
  return () => disposers.forEach((d) => d());
}
