import { BandMask, registerKernel, type BandAttrs, type KernelDef } from '@mta/core';
import { runMapKernel } from './map-kernel.js';
import { gpuDtype, literal } from './wgsl.js';

/**
 * triu/tril on the last two axes: upper keeps j - i >= k, lower keeps j - i <= k, the rest becomes the
 * fill. Masked positions are written, never read, so a NaN or Inf there does not leak through.
 */
const bandMaskKernel: KernelDef<BandAttrs> = {
  stridedInputs: true,
  run: ({ inputs: [x], outputs: [y], attrs: { upper, k, fill } }) => {
    const dtype = gpuDtype(y!.dtype, 'BandMask');
    const rows = y!.shape[y!.ndim - 2]!, cols = y!.shape[y!.ndim - 1]!;
    const keep = upper ? `d >= ${k}` : `d <= ${k}`;
    const [kept, filled] = dtype === 'bool' ? ['in0(i) != 0u', fill ? 'true' : 'false'] : ['in0(i)', literal(fill, dtype)];
    runMapKernel('bandMask', [x!], y!, `  let d = i32(i % ${cols}u) - i32((i / ${cols}u) % ${rows}u);
  if (${keep}) { return ${kept}; }
  return ${filled};`);
  },
};

export function registerBandMaskKernel(): () => void {
  return registerKernel(BandMask, 'webgpu', bandMaskKernel);
}
