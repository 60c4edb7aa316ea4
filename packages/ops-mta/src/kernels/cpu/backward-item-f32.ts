import type { BackwardJob } from './backward-item.js';
import type { F32Scratch } from './scratch-f32.js';

/**
 * The backward work item on float32 data with the f32x4 wasm loops (softmax, kW = 3, column dilation 1;
 * backward-item.ts covers everything else in float64). A ring of zero-padded Gy rows (masked dO in post
 * mode, the softmax VJP through the saved output in pre mode) slides down the band. Per gradient row
 * and input channel, the x row (P or masked S) is copied into scratch once and serves every
 * (output channel, kernel row): the transposed convolution into dP and, from the same loads, the
 * weight-gradient sums (float32 over at most 16 quads, then float64). The bias gradient is a float64
 * sum of each owned Gy row.
 */

function loadGradRow(job: BackwardJob, s: F32Scratch, b: number, i: number, owned: boolean, partialBase: number): void {
  const { plan, gradOut, probs, partials } = job;
  const { L, Cout, depth: span, pl: left, pr: right, pb: bottom, hasBias, wElems } = plan.geometry;
  const pre = plan.geometry.mode === 'pre';
  const { ring, row, stride, kernels, ringAddress, rowAddress } = s;
  const n = i + 1;
  for (let co = 0; co < Cout; co++) {
    const src = ((b * Cout + co) * L + i) * L;
    // Column 0 at the address parity of the row in gradOut (see loadInputRow in forward-item-f32.ts).
    const slot = (co * span + (i % span)) * stride;
    const base = slot + ((right + src) & 1);
    const start = base + right;
    ring.fill(0, base, start);
    ring.set(gradOut.subarray(src, src + n), start);
    let biasSum = 0;
    if (pre) {
      // Gy = softmax VJP of the row through the saved output O.
      row.set(probs.subarray(src, src + n));
      if (owned && hasBias) {
        // sum_c O_c (g_c - dot) = dot (1 - sum_c O_c) with dot = sum_c O_c g_c, in float64: zero up to
        // O's rounding, where summing the float32 VJP would leave float32 noise (the float64 path's value).
        const dot = kernels.dot(rowAddress, ringAddress + 4 * start, n);
        biasSum = dot * (1 - kernels.dot(rowAddress, 0, n));
      }
      kernels.softmaxVjp(rowAddress, ringAddress + 4 * start, n);
    } else if (owned && hasBias) {
      biasSum = kernels.dot(ringAddress + 4 * start, 0, n);
    }
    ring.fill(0, start + n, Math.min(slot + stride, start + n + bottom + left));
    if (owned && hasBias) partials[partialBase + wElems + co] += biasSum;
  }
}

/** Float index of ring row i of output channel co (its column -right), as loadGradRow placed it. */
function origin(job: BackwardJob, stride: number, b: number, co: number, i: number): number {
  const { L, Cout, depth: span, pr: right } = job.plan.geometry;
  return (co * span + (i % span)) * stride + ((right + ((b * Cout + co) * L + i) * L) & 1);
}

function computeGradRow(job: BackwardJob, s: F32Scratch, b: number, r: number): void {
  const { plan, probs, scores, gradScores } = job;
  const { L, Cin, pt: top, kH, dh, cig: cinPerGroup, cog: coutPerGroup } = plan.geometry;
  const pre = plan.geometry.mode === 'pre';
  const { acc: dp, row, table, stride, kernels, ringAddress, accAddress, rowAddress, paramsAddress, weightGradAddress, tableAddress } = s;
  const taps = kH * 3;
  const x = pre ? scores : probs;
  const n = r + 1;
  for (let ci = 0; ci < Cin; ci++) {
    const rowStart = ((b * Cin + ci) * L + r) * L;
    row.set(x.subarray(rowStart, rowStart + n));
    dp.fill(0, 0, n);
    const group = (ci / cinPerGroup) | 0;
    const cil = ci - group * cinPerGroup;
    // Every (output channel, kernel row) pair in one wasm call (addresses through the table).
    let count = 0;
    for (let k = 0; k < coutPerGroup; k++) {
      const co = group * coutPerGroup + k;
      const wBase = (co * cinPerGroup + cil) * taps;
      for (let kh = 0; kh < kH; kh++) {
        const i = r + top - kh * dh;
        if (i < 0 || i >= L) continue; // padding rows of Gy are zero
        const wo = wBase + 3 * kh;
        table[3 * count] = ringAddress + 4 * origin(job, stride, b, co, i);
        table[3 * count + 1] = paramsAddress + 4 * wo;
        table[3 * count + 2] = weightGradAddress + 8 * wo;
        count++;
      }
    }
    kernels.grad3Multi(accAddress, rowAddress, tableAddress, n, count);
    if (!pre) kernels.softmaxVjp(rowAddress, accAddress, n);
    gradScores.set(dp.subarray(0, n), rowStart);
    gradScores.fill(0, rowStart + n, rowStart + L);
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
  s.params.set(job.params);
  s.weightGrad.fill(0);
  let nextRow = Math.max(0, r0 - bottom);
  for (let r = r0; r < r1; r++) {
    const lastNeeded = Math.min(L - 1, r + top);
    for (; nextRow <= lastNeeded; nextRow++) loadGradRow(job, s, b, nextRow, nextRow >= r0 && nextRow < r1, partialBase);
    computeGradRow(job, s, b, r);
  }
  partials.set(s.weightGrad, partialBase);
}
