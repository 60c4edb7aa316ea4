import type { Data } from './data.js';
import { specializeByArray } from './specialize.js';

/**
 * Element copies shared by the data-movement kernels (contiguous, pad, concat, indexing, band masks).
 * Raw storage values are copied, so every dtype (half-precision bit patterns included) moves unchanged.
 * Self-contained loops, one copy per element type (see specialize.ts).
 */
function copyRows(X: Data, xo: number, xStarts: Int32Array, xs: number, O: Data, oo: number, oStarts: Int32Array, os: number, rows: number, inner: number): void {
  for (let r = 0; r < rows; r++) {
    let xi = xo + xStarts[r], oi = oo + oStarts[r];
    for (let j = 0; j < inner; j++, xi += xs, oi += os) O[oi] = X[xi];
  }
}

function copyRun(X: Data, xi: number, O: Data, oi: number, n: number): void {
  for (let j = 0; j < n; j++) O[oi + j] = X[xi + j];
}

/** Strided rows: row r copies `inner` elements from xo + xStarts[r] (step xs) to oo + oStarts[r] (step os). */
export const copyRowsFor = specializeByArray(copyRows);
/** One contiguous run of n elements. */
export const copyRunFor = specializeByArray(copyRun);
