import { BandMask, registerKernel, type BandAttrs, type KernelArgs, hostData } from '@mta/core';
import { encodeScalar } from '../data.js';
import { copyRunFor } from '../copy.js';

/**
 * triu/tril on the last two axes. Each row splits into one kept run and one masked run, computed from
 * the band bounds; masked positions are filled, never read (a NaN or Inf there must not leak through).
 * Works on raw storage values, so every dtype (half types included) is a plain copy.
 */
function bandMaskKernel({ inputs: [x], outputs: [out], attrs }: KernelArgs<BandAttrs>): void {
  const rows = x.shape[x.ndim - 2], cols = x.shape[x.ndim - 1];
  const matrices = rows * cols === 0 ? 0 : x.size / (rows * cols);
  const X = hostData(x), O = hostData(out);
  const fill = encodeScalar(out.dtype, attrs.fill);
  const { upper, k } = attrs;
  const copy = copyRunFor(O);
  for (let m = 0; m < matrices; m++) {
    for (let i = 0; i < rows; i++) {
      const base = (m * rows + i) * cols;
      const src = x.offset + base;
      // upper keeps j >= i + k; lower keeps j <= i + k.
      const keepStart = upper ? Math.min(Math.max(i + k, 0), cols) : 0;
      const keepEnd = upper ? cols : Math.min(Math.max(i + k + 1, 0), cols);
      if (keepStart > 0) O.fill(fill, base, base + keepStart);
      if (keepEnd > keepStart) copy(X, src + keepStart, O, base + keepStart, keepEnd - keepStart);
      if (keepEnd < cols) O.fill(fill, base + keepEnd, base + cols);
    }
  }
}

export function registerBandMaskKernels(): (() => void)[] {
  return [registerKernel(BandMask, 'cpu', bandMaskKernel)];
}
