import { pairwiseDot, softmaxVjpRow, sparsemaxVjpRow } from './activation-rows.js';
import { gradRow3, gradRowGeneric } from './conv-rows.js';
import type { MtaCpuPlan } from './plan.js';
import type { F32Placement } from './placement-f32.js';
import { activateRow } from './forward-item.js';
import type { MtaScratch } from './scratch.js';
import type { MtaArray } from './types.js';

/** Arrays of one backward call. */
export interface BackwardJob {
  readonly kind: 'backward';
  readonly plan: MtaCpuPlan;
  readonly gradOut: MtaArray;
  /**
   * Post: the saved P (B, Cin, L, L), or null: each P row is recomputed from the scores (the forward's
   * activation, same bits). Pre: the forward output O (B, Cout, L, L).
   */
  readonly probs: MtaArray | null;
  /** The forward's scores (read in pre mode, and in post mode when probs is null; j <= i). */
  readonly scores: MtaArray;
  readonly params: Float64Array;
  readonly gradScores: MtaArray;
  /**
   * Per item: weightCount weight-gradient sums then Cout bias-gradient sums, float64. Items write only
   * their own slice, so threads never share an accumulator and the final sum has a fixed order.
   */
  readonly partials: Float64Array;
  /** Where the float32 loops find the maps (arena addresses or staging); absent: every row staged. */
  readonly f32?: F32Placement;
}

/**
 * Loads the convolution-output gradient Gy of row i (every output channel) into its ring slot,
 * zero-padded: column j sits at index right + j; [0, right) and (right + i, right + i + bottom + left]
 * are zero. Post: Gy = dO with the mask applied (only j <= i read). Pre: Gy = dC, the softmax|sparsemax
 * VJP of the row through the saved output O. Rows the item owns add into its bias-gradient sums.
 */
function loadGradRow(job: BackwardJob, scratch: MtaScratch, b: number, i: number, owned: boolean, partialBase: number): void {
  const { plan, gradOut, probs, partials } = job;
  const { L, Cout, depth: span, pl: left, pr: right, pb: bottom, sparse, hasBias, wElems: weightCount } = plan.geometry;
  const { rowLen } = plan;
  const pre = plan.geometry.mode === 'pre';
  const ring = scratch.ring;
  const n = i + 1;
  for (let co = 0; co < Cout; co++) {
    const base = (co * span + (i % span)) * rowLen;
    const start = base + right;
    const src = ((b * Cout + co) * L + i) * L;
    ring.fill(0, base, start);
    if (!pre) ring.set(gradOut.subarray(src, src + n), start);
    else if (sparse) sparsemaxVjpRow(probs!, src, gradOut, src, n, ring, start);
    else softmaxVjpRow(probs!, src, gradOut, src, n, ring, start, pairwiseDot(probs!, src, gradOut, src, n));
    ring.fill(0, start + n, Math.min(base + rowLen, start + n + bottom + left));
    if (owned && hasBias) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += ring[start + j];
      partials[partialBase + weightCount + co] += sum;
    }
  }
}

/**
 * Gradient row r of batch b for every input channel: transposed convolution of the ring's Gy rows
 * [r - bottom, r + top] into dP (and, from the same loads, the weight-gradient sums), then the
 * softmax|sparsemax VJP through P (post) or nothing (pre), then the mask.
 */
function computeGradRow(job: BackwardJob, scratch: MtaScratch, b: number, r: number): void {
  const { plan, probs, scores, gradScores } = job;
  const { L, Cin, depth: span, pt: top, kH, kW, dh, dw, cig: cinPerGroup, cog: coutPerGroup, sparse } = plan.geometry;
  const { rowLen } = plan;
  const pre = plan.geometry.mode === 'pre';
  const { ring, acc: dp, row: xRow, params, weightGrad, simd, ringAddress, accAddress, rowAddress, paramsAddress, weightGradAddress } = scratch;
  const taps = kH * kW;
  const threeWide = kW === 3 && dw === 1;
  // The convolution input x (P in post mode, the masked scores in pre mode) pairs with Gy for dW.
  const x = pre || probs === null ? scores : probs;
  const recompute = !pre && probs === null;
  const n = r + 1;
  for (let ci = 0; ci < Cin; ci++) {
    const rowStart = ((b * Cin + ci) * L + r) * L;
    if (!recompute) xRow.set(x.subarray(rowStart, rowStart + n));
    else activateRow(scratch, sparse, scores, rowStart, n, xRow, 0, rowAddress); // the forward's activation, bit for bit
    // A saved float32 P holds the rounded row: round as saving it would have.
    if (recompute && scores instanceof Float32Array) for (let c = 0; c < n; c++) xRow[c] = Math.fround(xRow[c]);
    dp.fill(0, 0, n);
    const group = (ci / cinPerGroup) | 0;
    const cil = ci - group * cinPerGroup;
    for (let k = 0; k < coutPerGroup; k++) {
      const co = group * coutPerGroup + k;
      const wBase = (co * cinPerGroup + cil) * taps;
      for (let kh = 0; kh < kH; kh++) {
        const i = r + top - kh * dh;
        if (i < 0 || i >= L) continue; // padding rows of Gy are zero
        const go = (co * span + (i % span)) * rowLen;
        const wo = wBase + kh * kW;
        if (!threeWide) gradRowGeneric(dp, ring, go, xRow, params, wo, weightGrad, wo, kW, dw, n);
        else if (simd !== null) simd.grad3(accAddress, ringAddress + 8 * go, rowAddress, paramsAddress + 8 * wo, weightGradAddress + 8 * wo, n);
        else gradRow3(dp, ring, go, xRow, params, wo, weightGrad, wo, n);
      }
    }
    if (pre) {
      gradScores.set(dp.subarray(0, n), rowStart);
    } else if (sparse) {
      sparsemaxVjpRow(xRow, 0, dp, 0, n, gradScores, rowStart);
    } else if (simd !== null) {
      simd.softmaxVjp(rowAddress, accAddress, n);
      gradScores.set(dp.subarray(0, n), rowStart);
    } else {
      softmaxVjpRow(xRow, 0, dp, 0, n, gradScores, rowStart, pairwiseDot(xRow, 0, dp, 0, n));
    }
    gradScores.fill(0, rowStart + n, rowStart + L);
  }
}

/**
 * Gradient rows [r0, r1) of batch b (one work item). Row work lives in small per-row functions so the
 * JIT optimises them normally (see runForwardItem).
 */
export function runBackwardItem(job: BackwardJob, scratch: MtaScratch, item: number): void {
  const { plan, partials } = job;
  const { L, Cout, pt: top, pb: bottom, wElems: weightCount } = plan.geometry;
  const [b, band] = plan.items[item];
  const r0 = plan.bandStarts[band];
  const r1 = plan.bandStarts[band + 1];
  const partialBase = item * (weightCount + Cout);
  partials.fill(0, partialBase, partialBase + weightCount + Cout);
  scratch.params.set(job.params);
  scratch.weightGrad.fill(0, 0, weightCount);
  let nextRow = Math.max(0, r0 - bottom);
  for (let r = r0; r < r1; r++) {
    // dP row r reads Gy rows r + top - kh*dh, i.e. [r - bottom, r + top].
    const lastNeeded = Math.min(L - 1, r + top);
    for (; nextRow <= lastNeeded; nextRow++) loadGradRow(job, scratch, b, nextRow, nextRow >= r0 && nextRow < r1, partialBase);
    computeGradRow(job, scratch, b, r);
  }
  partials.set(scratch.weightGrad.subarray(0, weightCount), partialBase);
}
