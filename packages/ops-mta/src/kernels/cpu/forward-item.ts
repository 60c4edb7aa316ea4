import { sparsemaxRow } from './activation-rows.js';
import { convRow3, convRowGeneric, convRows3x3 } from './conv-rows.js';
import type { MtaCpuPlan } from './plan.js';
import type { F32Placement } from './placement-f32.js';
import type { MtaScratch } from './scratch.js';
import { softmaxInPlace } from './softmax-exp.js';
import type { MtaArray } from './types.js';

/** Arrays of one forward call. `params` holds the weights as float64, then the bias. */
export interface ForwardJob {
  readonly kind: 'forward';
  readonly plan: MtaCpuPlan;
  readonly scores: MtaArray;
  readonly params: Float64Array;
  readonly out: MtaArray;
  /** Post mode: the (B, Cin, L, L) probability map to save. Null in pre mode. */
  readonly probs: MtaArray | null;
  /** Where the float32 loops find the maps (arena addresses or staging); absent: every row staged. */
  readonly f32?: F32Placement;
}

/**
 * The activation of one float64 row, in place in `row` from `start` (its wasm byte address `address` for the
 * SIMD softmax): the n entries j <= i, read from `src` at `srcStart` (`src` may be `row` itself). The
 * forward's pre-mode output rows and the backward's recomputed P rows go through this one function, so they
 * match bit for bit.
 */
export function activateRow(scratch: MtaScratch, sparse: boolean, src: MtaArray, srcStart: number, n: number, row: Float64Array, start: number, address: number): void {
  if (sparse) {
    sparsemaxRow(src, srcStart, n, row, start, scratch.candidates, null, 0);
    return;
  }
  if (src !== row || srcStart !== start) row.set(src.subarray(srcStart, srcStart + n), start);
  if (scratch.simd !== null) scratch.simd.softmax(address, n);
  else softmaxInPlace(row, start, n);
}

/**
 * Loads input row r of every input channel into its ring slot as a zero-padded float64 row:
 * column c sits at index left + c; indices [0, left) and (left + r, left + r + top + right] are zero
 * (everything a window of output rows <= r + top can read), so the convolution needs no bounds tests.
 * Post mode: the row is mask + softmax|sparsemax of the scores (only c <= r is read); the band that
 * owns the row also writes it to the saved map. Pre mode: the row is the scores with the mask zeroed.
 */
function loadInputRow(job: ForwardJob, scratch: MtaScratch, b: number, r: number, owned: boolean): void {
  const { plan, scores, probs } = job;
  const { L, Cin, depth: span, pl: left, pt: top, pr: right, sparse } = plan.geometry;
  const { rowLen } = plan;
  const pre = plan.geometry.mode === 'pre';
  const ring = scratch.ring;
  const n = r + 1;
  for (let ci = 0; ci < Cin; ci++) {
    const base = (ci * span + (r % span)) * rowLen;
    const start = base + left;
    const src = ((b * Cin + ci) * L + r) * L;
    ring.fill(0, base, start);
    // TypedArray.set converts float32 <-> float64 in native code, ~1.5x a JavaScript loop.
    if (pre) {
      ring.set(scores.subarray(src, src + n), start);
    } else {
      // The owning band also writes the row to the saved map.
      const saveTo = owned ? probs : null;
      if (sparse) {
        sparsemaxRow(scores, src, n, ring, start, scratch.candidates, saveTo, src);
      } else {
        ring.set(scores.subarray(src, src + n), start);
        if (scratch.simd !== null) scratch.simd.softmax(scratch.ringAddress + 8 * start, n);
        else softmaxInPlace(ring, start, n);
        if (saveTo !== null) saveTo.set(ring.subarray(start, start + n), src);
      }
      if (saveTo !== null) saveTo.fill(0, src + n, src + L);
    }
    ring.fill(0, start + n, Math.min(base + rowLen, start + n + top + right));
  }
}

/**
 * Output row i of batch b for every output channel: bias + convolution over the ring rows
 * [i - top, i + bottom] for columns j <= i, then (pre mode) the activation, then the mask.
 */
function computeOutputRow(job: ForwardJob, scratch: MtaScratch, b: number, i: number): void {
  const { plan, out } = job;
  const { L, Cout, depth: span, pt: top, kH, kW, dh, dw, cig: cinPerGroup, cog: coutPerGroup, hasBias, wElems: weightCount, sparse } = plan.geometry;
  const { rowLen } = plan;
  const pre = plan.geometry.mode === 'pre';
  const { ring, acc, params, simd, ringAddress, accAddress, paramsAddress } = scratch;
  const taps = kH * kW;
  const n = i + 1;
  const firstRow = i - top;
  const fastThreeByThree = kH === 3 && kW === 3 && dw === 1 && firstRow >= 0 && firstRow + 2 * dh < L;
  const threeWide = kW === 3 && dw === 1;
  for (let co = 0; co < Cout; co++) {
    acc.fill(hasBias ? params[weightCount + co] : 0, 0, n);
    const firstCin = ((co / coutPerGroup) | 0) * cinPerGroup;
    for (let cil = 0; cil < cinPerGroup; cil++) {
      const chanSlot = (firstCin + cil) * span;
      const wBase = (co * cinPerGroup + cil) * taps;
      if (fastThreeByThree) {
        const o0 = (chanSlot + (firstRow % span)) * rowLen;
        const o1 = (chanSlot + ((firstRow + dh) % span)) * rowLen;
        const o2 = (chanSlot + ((firstRow + 2 * dh) % span)) * rowLen;
        if (simd !== null) simd.conv3x3(accAddress, ringAddress + 8 * o0, ringAddress + 8 * o1, ringAddress + 8 * o2, paramsAddress + 8 * wBase, n);
        else convRows3x3(acc, ring, o0, o1, o2, params, wBase, n);
        continue;
      }
      for (let kh = 0; kh < kH; kh++) {
        const r = firstRow + kh * dh;
        if (r < 0 || r >= L) continue; // zero padding rows contribute nothing
        const o = (chanSlot + (r % span)) * rowLen;
        const wo = wBase + kh * kW;
        if (!threeWide) convRowGeneric(acc, ring, o, params, wo, kW, dw, n);
        else if (simd !== null) simd.conv3(accAddress, ringAddress + 8 * o, paramsAddress + 8 * wo, n);
        else convRow3(acc, ring, o, params, wo, n);
      }
    }
    const dst = ((b * Cout + co) * L + i) * L;
    if (pre) {
      activateRow(scratch, sparse, acc, 0, n, acc, 0, accAddress);
    }
    out.set(acc.subarray(0, n), dst);
    out.fill(0, dst + n, dst + L);
  }
}

/**
 * Computes output rows [r0, r1) of batch b for every output channel (one work item). The per-row work
 * lives in small functions called once per row: the JIT optimises them from full type feedback
 * instead of on-stack-replacing one long loop (which deoptimised at every item's end).
 */
export function runForwardItem(job: ForwardJob, scratch: MtaScratch, item: number): void {
  const { plan } = job;
  const { L, pt: top, pb: bottom } = plan.geometry;
  const [b, band] = plan.items[item];
  const r0 = plan.bandStarts[band];
  const r1 = plan.bandStarts[band + 1];
  scratch.params.set(job.params);
  let nextRow = Math.max(0, r0 - top);
  for (let i = r0; i < r1; i++) {
    // Keep rows [i - top, i + bottom] in the ring; each new row evicts the one no longer needed.
    const lastNeeded = Math.min(L - 1, i + bottom);
    for (; nextRow <= lastNeeded; nextRow++) loadInputRow(job, scratch, b, nextRow, nextRow >= r0 && nextRow < r1);
    computeOutputRow(job, scratch, b, i);
  }
}
