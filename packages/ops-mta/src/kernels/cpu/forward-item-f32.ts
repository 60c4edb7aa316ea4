import type { MtaGeometry } from '../../geometry.js';
import type { ForwardJob } from './forward-item.js';
import { UNPLACED } from './placement-f32.js';
import type { F32Scratch } from './scratch-f32.js';

/**
 * The forward work item on float32 data with the f32x4 wasm loops (softmax, kW = 3, column dilation 1;
 * forward-item.ts covers everything else in float64). Same structure as forward-item.ts: a ring of
 * zero-padded float32 input rows slides down the band; every score row is read, activated and saved once,
 * and each output row is bias + convolution over ring rows that sit in L1/L2. Map rows are read and written
 * in place where the job's placement has them in the arena (no copies), else through staging rows.
 * Stages: 0 scores in, 1 probs out, 2 out.
 */

/** Ring slot of input channel ci's row r; column 0 sits 16 bytes in (see scratch-f32.ts). */
const slotOf = (s: F32Scratch, ci: number, r: number) => s.slot(ci * s.ringDepth + (r % s.ringDepth));

function loadInputRow(job: ForwardJob, s: F32Scratch, b: number, r: number, owned: boolean): void {
  const { plan, scores, probs } = job;
  const { L, Cin, pt: top, pr: right } = plan.geometry;
  const place = job.f32 ?? UNPLACED;
  const pre = plan.geometry.mode === 'pre';
  const { kernels } = s;
  const n = r + 1;
  if (place.scores >= 0 && Cin > 1) {
    // The channels' rows are pages apart: read one float per line of each, interleaved, so their cache
    // misses overlap instead of each row's passes waiting on its own (~1 ms of 16 at L = 1024, one thread).
    const t = s.table >>> 2;
    for (let ci = 0; ci < Cin; ci++) s.i32[t + ci] = place.scores + 4 * ((b * Cin + ci) * L + r) * L;
    kernels.touchRows(s.table, Cin, n);
  }
  for (let ci = 0; ci < Cin; ci++) {
    const rowStart = ((b * Cin + ci) * L + r) * L;
    const slot = slotOf(s, ci, r);
    const col0 = slot + 16;
    // Output rows <= r + top read this row up to column r + top + right: zeros there, whole quads, in the slot.
    const zeroEnd = Math.min(slot + s.slotBytes, col0 + 4 * ((n + top + right + 3) & ~3));
    const src = s.inRow(scores as Float32Array, place.scores, rowStart, n, 0);
    if (pre) {
      kernels.loadRow(col0, src, n, zeroEnd);
      continue;
    }
    // Only the band that owns the row writes it to the saved map (halo rows are recomputed).
    const save = owned && probs !== null;
    const dst = save ? s.outRow(place.probs, rowStart, 1) : 0;
    kernels.softmaxRow(src, col0, dst, n, zeroEnd, L);
    if (save) s.flushRow(probs as Float32Array, place.probs, rowStart, L, 1);
  }
}

/** Byte address of ring row r of input channel ci at its column -left (what the convolution reads first). */
function origin(job: ForwardJob, s: F32Scratch, ci: number, r: number): number {
  return slotOf(s, ci, r) + 16 - 4 * job.plan.geometry.pl;
}

/**
 * One output row from the accumulator `acc` (n = its causal length): activated in pre mode, stored as is
 * in post mode, zeros after n; written in place or through the staging row (flushRow).
 */
function storeOutputRow(job: ForwardJob, s: F32Scratch, rowStart: number, acc: number, n: number): void {
  const { L, mode } = job.plan.geometry;
  const place = job.f32 ?? UNPLACED;
  const dst = s.outRow(place.out, rowStart, 2);
  if (mode === 'pre') s.kernels.softmaxRow(acc, acc, dst, n, 0, L);
  else s.kernels.storeRow(dst, acc, n, L);
  s.flushRow(job.out as Float32Array, place.out, rowStart, L, 2);
}

/**
 * Output rows i and i + 1 of batch b (kH = 3, row dilation 1; both rows in the item): one convRowPair per
 * output channel reads the four ring rows i - top .. i + 1 + bottom once for both (the same sums as
 * computeOutputRow twice), then each row is stored (pre mode: activated) with its own length.
 */
function computeOutputRowPair(job: ForwardJob, s: F32Scratch, b: number, i: number): void {
  const g = job.plan.geometry;
  const { L, Cout, pt: top, cig: cinPerGroup, cog: coutPerGroup, groups } = g;
  const { kernels, acc, acc2, table, params } = s;
  const n = i + 1;
  for (let group = 0; group < groups; group++) {
    tableInputRows(job, s, group, i - top, 4, 1);
    for (let k = 0; k < coutPerGroup; k++) {
      const co = group * coutPerGroup + k;
      kernels.convRowPair(acc, acc2, table, params + 4 * co * cinPerGroup * 9, biasOf(s, g, co), n + 1, cinPerGroup);
      const rowStart = ((b * Cout + co) * L + i) * L;
      storeOutputRow(job, s, rowStart, acc, n);
      storeOutputRow(job, s, rowStart + L, acc2, n + 1);
    }
  }
}

/**
 * The table of row addresses for the input channels of `group`: `rows` rows per channel, firstRow, firstRow +
 * step, ...; padding rows (outside the map) read as the row of zeros.
 */
function tableInputRows(job: ForwardJob, s: F32Scratch, group: number, firstRow: number, rows: number, step: number): void {
  const { L, pl: left, cig: cinPerGroup } = job.plan.geometry;
  const zero = s.zeroRow + 16 - 4 * left;
  const t = s.table >>> 2;
  const firstCin = group * cinPerGroup;
  for (let cil = 0; cil < cinPerGroup; cil++) {
    for (let k = 0; k < rows; k++) {
      const r = firstRow + k * step;
      s.i32[t + rows * cil + k] = r < 0 || r >= L ? zero : origin(job, s, firstCin + cil, r);
    }
  }
}

/** Output channel co's bias as the kernels take it (0 without one). */
const biasOf = (s: F32Scratch, g: MtaGeometry, co: number): number => (g.hasBias ? s.f32[(s.params >>> 2) + g.wElems + co]! : 0);

function computeOutputRow(job: ForwardJob, s: F32Scratch, b: number, i: number): void {
  const g = job.plan.geometry;
  const { L, Cout, pt: top, kH, dh, cig: cinPerGroup, cog: coutPerGroup, groups } = g;
  const { kernels, i32, acc, table, params } = s;
  const taps = kH * 3;
  const n = i + 1;
  const firstRow = i - top;
  const t = table >>> 2;
  for (let group = 0; group < groups; group++) {
    // The group's input rows, once for all its output channels: 3 row addresses per input channel (kH = 3),
    // else (row, weights of the group's first output channel) pairs for the rows inside the map.
    let count = 0;
    if (kH === 3) {
      tableInputRows(job, s, group, firstRow, 3, dh);
    } else {
      const firstCin = group * cinPerGroup;
      for (let cil = 0; cil < cinPerGroup; cil++) {
        for (let kh = 0; kh < kH; kh++) {
          const r = firstRow + kh * dh;
          if (r < 0 || r >= L) continue; // zero padding rows contribute nothing
          i32[t + 2 * count] = origin(job, s, firstCin + cil, r);
          i32[t + 2 * count + 1] = params + 4 * (group * coutPerGroup * cinPerGroup * taps + cil * taps + 3 * kh);
          count++;
        }
      }
    }
    for (let k = 0; k < coutPerGroup; k++) {
      const co = group * coutPerGroup + k;
      // All input channels of the group in one wasm call (row addresses through the table).
      if (kH === 3) kernels.convRow(acc, table, params + 4 * co * cinPerGroup * taps, biasOf(s, g, co), n, cinPerGroup);
      else kernels.convRows(acc, table, biasOf(s, g, co), n, count, 4 * k * cinPerGroup * taps);
      storeOutputRow(job, s, ((b * Cout + co) * L + i) * L, acc, n);
    }
  }
}

/** Output rows [r0, r1) of batch b, every output channel (one work item; see runForwardItem). */
export function runForwardItemF32(job: ForwardJob, s: F32Scratch, item: number): void {
  const { plan } = job;
  const { L, pt: top, pb: bottom } = plan.geometry;
  const [b, band] = plan.items[item]!;
  const r0 = plan.bandStarts[band]!;
  const r1 = plan.bandStarts[band + 1]!;
  s.beginItem(job.params, 0);
  // Two output rows per step where the kernel allows (the ring holds depth + 1 rows), one at the band's end.
  const pairs = plan.geometry.kH === 3 && plan.geometry.dh === 1;
  let nextRow = Math.max(0, r0 - top);
  for (let i = r0; i < r1;) {
    const pair = pairs && i + 1 < r1;
    const lastNeeded = Math.min(L - 1, i + (pair ? 1 : 0) + bottom);
    for (; nextRow <= lastNeeded; nextRow++) loadInputRow(job, s, b, nextRow, nextRow >= r0 && nextRow < r1);
    if (pair) {
      computeOutputRowPair(job, s, b, i);
      i += 2;
    } else {
      computeOutputRow(job, s, b, i);
      i++;
    }
  }
}
