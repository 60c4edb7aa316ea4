import { Contiguous, contiguousStrides, registerKernel, type KernelArgs, hostData } from '@mta/core';
import { planStrided } from '../layout.js';
import { copyRowsFor } from '../copy.js';

/**
 * Gathers a strided view (permuted, sliced, expanded) into fresh row-major memory. Registered with
 * stridedInputs: it is the kernel dispatch itself uses to make other kernels' inputs contiguous.
 */
function contiguousKernel({ inputs: [x], outputs: [out] }: KernelArgs<Record<string, never>>): void {
  const O = hostData(out);
  const plan = planStrided(x.shape, [contiguousStrides(x.shape), x.strides]);
  const [oStarts, xStarts] = plan.rowStarts as [Int32Array, Int32Array];
  copyRowsFor(O)(hostData(x), x.offset, xStarts, plan.innerStrides[1], O, 0, oStarts, 1, plan.rows, plan.inner);
}

export function registerContiguousKernels(): (() => void)[] {
  return [registerKernel(Contiguous, 'cpu', { run: contiguousKernel, stridedInputs: true })];
}
