import type { BackwardJob } from './backward-item.js';
import { UNPLACED } from './placement-f32.js';
import type { F32Scratch } from './scratch-f32.js';

/**
 * The backward work item on float32 data with the f32x4 wasm loops (softmax, kW = 3, column dilation 1;
 * backward-item.ts covers everything else in float64). A ring of zero-padded Gy rows (masked dO in post
 * mode, the softmax VJP through the saved output in pre mode) slides down the band. Per gradient row and
 * input channel, one wasm call runs every (output channel, kernel row) over the x row (P or masked S, read
 * where it lies): the transposed convolution into dP and, from the same loads, the weight-gradient sums
 * (float32 over at most 16 quads, then float64); a second writes the dS row. Post mode without a saved P
 * (job.probs null) recomputes each P row from the scores row into a staging row first (softmaxRow, as the
 * forward computed it). The bias gradient is a float64
 * sum of each owned Gy row. Stages (rows outside the arena): 0 gradOut in, 1 x in, 2 gradScores out, 3 O in.
 */

/** Row r of every channel of a map in the arena: one float per line of each, interleaved (see forward-item-f32.ts). */
function touchMapRows(s: F32Scratch, address: number, b: number, channels: number, L: number, r: number, n: number): void {
  const t = s.table >>> 2;
  for (let c = 0; c < channels; c++) s.i32[t + c] = address + 4 * ((b * channels + c) * L + r) * L;
  s.kernels.touchRows(s.table, channels, n);
}

const slotOf = (job: BackwardJob, s: F32Scratch, co: number, i: number) => s.slot(co * job.plan.geometry.depth + (i % job.plan.geometry.depth));

function loadGradRow(job: BackwardJob, s: F32Scratch, b: number, i: number, owned: boolean, partialBase: number): void {
  const { plan, gradOut, probs, partials } = job;
  const { L, Cout, pl: left, pb: bottom, hasBias, wElems } = plan.geometry;
  const place = job.f32 ?? UNPLACED;
  const pre = plan.geometry.mode === 'pre';
  const { kernels } = s;
  const n = i + 1;
  if (place.gradOut >= 0 && Cout > 1) touchMapRows(s, place.gradOut, b, Cout, L, i, n);
  for (let co = 0; co < Cout; co++) {
    const rowStart = ((b * Cout + co) * L + i) * L;
    const slot = slotOf(job, s, co, i);
    const col0 = slot + 16;
    // Gradient rows >= i - bottom read this row up to column i + bottom + left.
    const zeroEnd = Math.min(slot + s.slotBytes, col0 + 4 * ((n + bottom + left + 3) & ~3));
    const g = s.inRow(gradOut as Float32Array, place.gradOut, rowStart, n, 0);
    kernels.loadRow(col0, g, n, zeroEnd);
    let biasSum = 0;
    if (pre) {
      // Gy = softmax VJP of the row through the saved output O.
      const o = s.inRow(probs as Float32Array, place.probs, rowStart, n, 3);
      if (owned && hasBias) {
        // sum_c O_c (g_c - dot) = dot (1 - sum_c O_c) with dot = sum_c O_c g_c, in float64: zero up to
        // O's rounding, where summing the float32 VJP would leave float32 noise (the float64 path's value).
        const dot = kernels.dot(o, col0, n);
        biasSum = dot * (1 - kernels.dot(o, 0, n));
      }
      kernels.softmaxVjp(o, col0, n);
    } else if (owned && hasBias) {
      biasSum = kernels.dot(col0, 0, n);
    }
    if (owned && hasBias) partials[partialBase + wElems + co] += biasSum;
  }
}

/** Byte address of ring row i of output channel co at its column -right (what grad3 reads first). */
function origin(job: BackwardJob, s: F32Scratch, co: number, i: number): number {
  return slotOf(job, s, co, i) + 16 - 4 * job.plan.geometry.pr;
}

function computeGradRow(job: BackwardJob, s: F32Scratch, b: number, r: number): void {
  const { plan, probs, scores, gradScores } = job;
  const { L, Cin, pt: top, kH, dh, cig: cinPerGroup, cog: coutPerGroup, groups } = plan.geometry;
  const place = job.f32 ?? UNPLACED;
  const pre = plan.geometry.mode === 'pre';
  const { kernels, i32, acc: dp, table, params, weightGrad } = s;
  const taps = kH * 3;
  // Post mode without a saved map: x = P rows recomputed from the scores into stage 1 (the forward's softmaxRow, same bits).
  const recompute = !pre && probs === null;
  const xArray = (pre || recompute ? scores : probs) as Float32Array;
  const xAddress = pre || recompute ? place.scores : place.probs;
  const t = table >>> 2;
  const n = r + 1;
  if (recompute && place.scores >= 0 && Cin > 1) touchMapRows(s, place.scores, b, Cin, L, r, n);
  for (let group = 0; group < groups; group++) {
    // Every (output channel, kernel row) pair of the group, for its first input channel: the gradient rows
    // are the same for every input channel of the group, whose weights (and sums) are taps floats apart.
    let count = 0;
    for (let k = 0; k < coutPerGroup; k++) {
      const co = group * coutPerGroup + k;
      const wBase = co * cinPerGroup * taps;
      for (let kh = 0; kh < kH; kh++) {
        const i = r + top - kh * dh;
        if (i < 0 || i >= L) continue; // padding rows of Gy are zero
        const wo = wBase + 3 * kh;
        i32[t + 3 * count] = origin(job, s, co, i);
        i32[t + 3 * count + 1] = params + 4 * wo;
        i32[t + 3 * count + 2] = weightGrad + 8 * wo;
        count++;
      }
    }
    for (let cil = 0; cil < cinPerGroup; cil++) {
      const ci = group * cinPerGroup + cil;
      const rowStart = ((b * Cin + ci) * L + r) * L;
      let x = s.inRow(xArray, xAddress, rowStart, n, 1);
      if (recompute) {
        const p = s.stages[1];
        kernels.softmaxRow(x, p, 0, n, 0, L);
        x = p;
      }
      kernels.grad3Multi(dp, x, table, n, count, 4 * taps * cil);
      const dst = s.outRow(place.gradScores, rowStart, 2);
      if (pre) kernels.storeRow(dst, dp, n, L);
      else kernels.vjpStore(dst, x, dp, n, L);
      s.flushRow(gradScores as Float32Array, place.gradScores, rowStart, L, 2);
    }
  }
}

/** Gradient rows [r0, r1) of batch b (one work item; see runBackwardItem). */
export function runBackwardItemF32(job: BackwardJob, s: F32Scratch, item: number): void {
  const { plan, partials } = job;
  const { L, Cout, pt: top, pb: bottom, wElems } = plan.geometry;
  const [b, band] = plan.items[item]!;
  const r0 = plan.bandStarts[band]!;
  const r1 = plan.bandStarts[band + 1]!;
  const partialBase = item * (wElems + Cout);
  partials.fill(0, partialBase, partialBase + wElems + Cout);
  s.beginItem(job.params, wElems);
  let nextRow = Math.max(0, r0 - bottom);
  for (let r = r0; r < r1; r++) {
    const lastNeeded = Math.min(L - 1, r + top);
    for (; nextRow <= lastNeeded; nextRow++) loadGradRow(job, s, b, nextRow, nextRow >= r0 && nextRow < r1, partialBase);
    computeGradRow(job, s, b, r);
  }
  const wg = s.weightGrad >>> 3;
  partials.set(s.f64.subarray(wg, wg + wElems), partialBase);
}
