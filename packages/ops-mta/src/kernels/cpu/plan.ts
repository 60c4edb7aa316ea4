import type { MtaGeometry } from '../../geometry.js';

/**
 * How the fused cpu kernels cut one call into work, as plain data so it can be posted to a worker
 * unchanged (the geometry rides along). Work is cut into items = (batch, row band); the cut depends only
 * on the shape, never on the number of threads, so every thread count produces bit-identical results
 * (weight and bias gradients are summed per item, then over items in item order).
 */
export interface MtaCpuPlan {
  /** The validated call; the kernels read every size and setting from it. */
  readonly geometry: MtaGeometry;
  /** Length of one zero-padded ring row: L + pl + pr. */
  readonly rowLen: number;
  /** Band boundaries: band k covers rows [bandStarts[k], bandStarts[k + 1]). */
  readonly bandStarts: readonly number[];
  /** Items as (batch, band) pairs, largest triangle first so dynamic scheduling balances. */
  readonly items: readonly (readonly [batch: number, band: number])[];
  /** Multiply-adds of the forward convolution over the causal triangle, for the threading decision. */
  readonly forwardMacs: number;
}

/** Rows per band at which a row band pays for its halo rows (recomputed at both band edges). */
const ROWS_PER_BAND = 128;
const MAX_BANDS = 8;

/** Cuts a validated call into work items; checks nothing (mtaGeometry did). */
export function planCpuWork(geometry: MtaGeometry): MtaCpuPlan {
  const { B, L } = geometry;
  const bandCount = Math.max(1, Math.min(MAX_BANDS, Math.floor(L / ROWS_PER_BAND)));
  // Row i costs ~ i + 1, so equal triangle areas put boundaries at L * sqrt(k / n).
  const bandStarts: number[] = [0];
  for (let k = 1; k < bandCount; k++) {
    const start = Math.round(L * Math.sqrt(k / bandCount));
    if (start > bandStarts[bandStarts.length - 1] && start < L) bandStarts.push(start);
  }
  bandStarts.push(L);
  const items: [number, number][] = [];
  for (let band = bandStarts.length - 2; band >= 0; band--) for (let b = 0; b < B; b++) items.push([b, band]);
  return {
    geometry,
    rowLen: L + geometry.pl + geometry.pr,
    bandStarts,
    items,
    forwardMacs: B * geometry.Cout * geometry.cig * geometry.kH * geometry.kW * ((L * (L + 1)) / 2),
  };
}
