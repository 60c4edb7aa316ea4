import type { ForwardJob } from './forward-item.js';
import type { F32Scratch } from './scratch-f32.js';

/**
 * The forward work item on float32 data with the f32x4 wasm loops (softmax, kW = 3, column dilation 1;
 * forward-item.ts covers everything else in float64). Same structure as forward-item.ts: a ring of
 * zero-padded float32 input rows slides down the band; every score row is loaded, activated and saved
 * once, and each output row is bias + convolution over ring rows that sit in L1/L2.
 */

function loadInputRow(job: ForwardJob, s: F32Scratch, b: number, r: number, owned: boolean): void {
  const { plan, scores, probs } = job;
  const { L, Cin, depth: span, pl: left, pt: top, pr: right } = plan.geometry;
  const pre = plan.geometry.mode === 'pre';
  const { ring, stride, kernels, ringAddress } = s;
  const n = r + 1;
  for (let ci = 0; ci < Cin; ci++) {
    const src = ((b * Cin + ci) * L + r) * L;
    // The slot's first float is padding when that gives column 0 the address parity (mod 8 bytes) of
    // the row in the scores: V8 copies between a SharedArrayBuffer and other memory word by word only
    // when both ends share that alignment, byte by byte otherwise (3-5x slower; these copies are a
    // third of the kernel's time). computeOutputRow finds the row the same way (origin()).
    const slot = (ci * span + (r % span)) * stride;
    const base = slot + ((left + src) & 1);
    const start = base + left;
    ring.fill(0, base, start);
    ring.set(scores.subarray(src, src + n), start);
    if (!pre) {
      kernels.softmax(ringAddress + 4 * start, n);
      // Only the band that owns the row writes it to the saved map (halo rows are recomputed).
      if (owned && probs !== null) {
        probs.set(ring.subarray(start, start + n), src);
        probs.fill(0, src + n, src + L);
      }
    }
    ring.fill(0, start + n, Math.min(slot + stride, start + n + top + right));
  }
}

/** Float index of ring row r of input channel ci (its column -left), as loadInputRow placed it. */
function origin(job: ForwardJob, stride: number, b: number, ci: number, r: number): number {
  const { L, Cin, depth: span, pl: left } = job.plan.geometry;
  return (ci * span + (r % span)) * stride + ((left + ((b * Cin + ci) * L + r) * L) & 1);
}

function computeOutputRow(job: ForwardJob, s: F32Scratch, b: number, i: number): void {
  const { plan, out } = job;
  const { L, Cout, pt: top, kH, dh, cig: cinPerGroup, cog: coutPerGroup, hasBias, wElems } = plan.geometry;
  const pre = plan.geometry.mode === 'pre';
  const { acc, params, table, stride, kernels, ringAddress, accAddress, paramsAddress, tableAddress } = s;
  const taps = kH * 3;
  const n = i + 1;
  const firstRow = i - top;
  const threeRows = kH === 3 && firstRow >= 0 && firstRow + 2 * dh < L;
  for (let co = 0; co < Cout; co++) {
    acc.fill(hasBias ? params[wElems + co] : 0, 0, n);
    const firstCin = ((co / coutPerGroup) | 0) * cinPerGroup;
    const wBase = co * cinPerGroup * taps;
    if (threeRows) {
      // All input channels of the group in one wasm call (row addresses through the table).
      for (let cil = 0; cil < cinPerGroup; cil++) {
        const ci = firstCin + cil;
        table[3 * cil] = ringAddress + 4 * origin(job, stride, b, ci, firstRow);
        table[3 * cil + 1] = ringAddress + 4 * origin(job, stride, b, ci, firstRow + dh);
        table[3 * cil + 2] = ringAddress + 4 * origin(job, stride, b, ci, firstRow + 2 * dh);
      }
      kernels.conv3x3Multi(accAddress, tableAddress, paramsAddress + 4 * wBase, n, cinPerGroup);
    } else {
      for (let cil = 0; cil < cinPerGroup; cil++) {
        const ci = firstCin + cil;
        for (let kh = 0; kh < kH; kh++) {
          const r = firstRow + kh * dh;
          if (r < 0 || r >= L) continue; // zero padding rows contribute nothing
          kernels.conv3(accAddress, ringAddress + 4 * origin(job, stride, b, ci, r), paramsAddress + 4 * (wBase + cil * taps + 3 * kh), n);
        }
      }
    }
    if (pre) kernels.softmax(accAddress, n);
    const dst = ((b * Cout + co) * L + i) * L;
    out.set(acc.subarray(0, n), dst);
    out.fill(0, dst + n, dst + L);
  }
}

/** Output rows [r0, r1) of batch b, every output channel (one work item; see runForwardItem). */
export function runForwardItemF32(job: ForwardJob, s: F32Scratch, item: number): void {
  const { plan } = job;
  const { L, pt: top, pb: bottom } = plan.geometry;
  const [b, band] = plan.items[item]!;
  const r0 = plan.bandStarts[band]!;
  const r1 = plan.bandStarts[band + 1]!;
  s.params.set(job.params);
  let nextRow = Math.max(0, r0 - top);
  for (let i = r0; i < r1; i++) {
    const lastNeeded = Math.min(L - 1, i + bottom);
    for (; nextRow <= lastNeeded; nextRow++) loadInputRow(job, s, b, nextRow, nextRow >= r0 && nextRow < r1);
    computeOutputRow(job, s, b, i);
  }
}
