import { Pad, contiguousStrides, registerKernel, type KernelArgs, type PadAttrs, hostData } from '@mta/core';
import { planStrided } from '../layout.js';
import { encodeScalar } from '../data.js';
import { copyRowsFor } from '../copy.js';

/** Constant padding: fill the output with the (encoded) value, then copy the input rows into place. */
function padKernel({ inputs: [x], outputs: [out], attrs: { pads, value } }: KernelArgs<PadAttrs>): void {
  const O = hostData(out);
  O.fill(encodeScalar(out.dtype, value));
  const outStrides = contiguousStrides(out.shape);
  let start = 0;
  for (let d = 0; d < x.ndim; d++) start += pads[2 * d] * outStrides[d];
  // Walk the input's own shape: contiguous in x, strided (by the output's strides) in out.
  const plan = planStrided(x.shape, [contiguousStrides(x.shape), outStrides]);
  const [xStarts, oStarts] = plan.rowStarts as [Int32Array, Int32Array];
  const [xs, os] = plan.innerStrides as [number, number];
  copyRowsFor(O)(hostData(x), x.offset, xStarts, xs, O, start, oStarts, os, plan.rows, plan.inner);
}

export function registerPadKernels(): (() => void)[] {
  return [registerKernel(Pad, 'cpu', padKernel)];
}
