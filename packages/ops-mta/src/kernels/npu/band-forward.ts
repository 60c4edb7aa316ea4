/**
 * Forward band kernel: output rows of one (batch, group) map, a range of rows per unit, column block by
 * column block. A ring of (kH-1)*dh + 2 input-row slots per input channel holds the rows the current
 * output row reads (zero-filled outside the causal part, so masked and padded entries are exact zeros and
 * masked scores are never even loaded). Each input row is loaded once per column block as the ring slides.
 *
 * post mode: a ring row is P = softmax/sparsemax of the masked score row (inline when the block is the
 *   whole row; otherwise from the row statistics a row-stats kernel wrote). Rows the unit owns are also
 *   written to P (saved for the backward). The output row is the convolution, zero above the diagonal.
 * pre mode: a ring row is S0 (the score row with the future zeroed); the convolution gives a row of C, to
 *   which mask + activation is applied inline (single block), or whose causal part goes to a float32
 *   scratch for a row-act kernel (multi-block).
 *
 * Alignment (what AscendC demands of the vector unit and DataCopy): ring slots are pitched to whole 32-byte
 * blocks. A row whose first loaded column does not start a block is loaded by DataCopyPad at the block below
 * it with left padding; the padding is -inf in post mode (it vanishes in the activation, which runs over
 * whole blocks) and 0 in pre mode, and whatever the activation leaves there is zeroed with a lane select.
 * Each tap of the convolution reads the ring row shifted by q*dw elements: the shifted rows are realigned
 * into `phases` with a gather before the (aligned) fused taps run on them.
 */
import { allocPlanned, loadF32, plannedBuffer, storeF32, type GmBuffer, type KernelContext, type LaunchRecord, type NpuSimulator, type UbBuf } from '@mta/device-npu';
import type { BandTiling, NpuKernelPlan } from './plan-types.js';
import type { MtaGeometry } from '../../geometry.js';
import { mod } from './ring.js';
import { pitch8 } from './ub-buffers.js';
import { axpyTapsMulti } from './vector-taps.js';
import { SparsemaxTauSearch } from './sparsemax-tau.js';

export interface BandForwardArgs {
  readonly geo: MtaGeometry;
  readonly kplan: NpuKernelPlan;
  readonly scores: GmBuffer;
  readonly weight: GmBuffer;
  readonly bias: GmBuffer | null;
  /** post: P, written for every element. */
  readonly probs: GmBuffer | null;
  /** O: post always; pre single-block. */
  readonly out: GmBuffer | null;
  /** pre multi-block: float32 (B, Cout, L, L) scratch receiving the causal part of C. */
  readonly cScratch: GmBuffer | null;
  /** post multi-block: float32 row statistics [(b*Cin + c)*L + row] x 2 (max and 1/sum, or tau and 0). */
  readonly stats: GmBuffer | null;
  readonly minReadBytes: number;
  readonly minWriteBytes: number;
}

/** Softmax or sparsemax, in place, on n float32 elements of a UB buffer (a whole valid row). */
export function activateInPlace(ctx: KernelContext, buf: UbBuf, off: number, n: number, sparse: boolean, search: SparsemaxTauSearch): void {
  const v = ctx.v;
  const m = v.reduceMax(buf, off, n);
  if (sparse) {
    // Relative to the row maximum (see SparsemaxTauSearch.find): tau is in [-1, 0).
    const tau = search.find(m, (taus, k, sums, counts) => v.thresholdStats(buf, off, n, taus, k, sums, counts, m));
    v.reluShift(buf, off, n, tau, m);
  } else {
    const s = v.expShiftSum(buf, off, n, m);
    v.scale(buf, off, n, 1 / s);
  }
}

export function runBandForward(sim: NpuSimulator, a: BandForwardArgs): LaunchRecord {
  const { kplan } = a;
  const t = kplan.tiling as BandTiling;
  const outputs = [a.probs, a.out].filter((x): x is GmBuffer => x !== null);
  return sim.launch(
    {
      kernel: kplan.name,
      plan: `${t.pass}: column block ${t.colBlock} x ${t.colBlocks}, ${t.rowsPerUnit} rows/unit, ${t.units} units`,
      cores: kplan.cores,
      doubleBuffered: kplan.doubleBuffered,
      outputs,
      minReadBytes: a.minReadBytes,
      minWriteBytes: a.minWriteBytes,
    },
    (ctx) => bandForwardCore(ctx, a),
    // The same body on the simulator's worker threads, when it has some (npu-worker-entry.ts knows it by name).
    { name: BAND_FORWARD_BODY, args: a },
  );
}

/** The name the npu worker threads know bandForwardCore by. */
export const BAND_FORWARD_BODY = 'mta.band-forward';

/** One core of a band forward launch: its units (u = coreId, coreId + cores, ...). */
export function bandForwardCore(ctx: KernelContext, a: BandForwardArgs): void {
  const t = a.kplan.tiling as BandTiling;
  const { geo, kplan } = a;
  const v = ctx.v;
  const { L, cig, cog, kH, kW, pt, pb, pl, dh, dw, ext, groups: G, Cin, Cout } = geo;
  const post = geo.mode === 'post';
  const multi = t.pass === 'multi';
  const bufs = allocPlanned(ctx, kplan.buffers);
  const weight = plannedBuffer(bufs, 'weight', kplan.name);
  const ring = plannedBuffer(bufs, 'ring', kplan.name);
  const acc = plannedBuffer(bufs, 'acc', kplan.name);
  const stage = bufs.get('stage') ?? null;
  const biasBuf = a.bias ? plannedBuffer(bufs, 'bias', kplan.name) : null;
  const statsBuf = post && multi ? plannedBuffer(bufs, 'rowstats', kplan.name) : null;
  const phases = plannedBuffer(bufs, 'phases', kplan.name);
  const gatherIndex = plannedBuffer(bufs, 'gather-index', kplan.name);
  v.useSharedTmp(plannedBuffer(bufs, 'reduce-tmp', kplan.name));
  const search = new SparsemaxTauSearch();
  const wrows = new Float64Array(cog * kW);

  loadF32(ctx, weight, 0, a.weight, 0, geo.wElems, stage);
  if (biasBuf && a.bias) loadF32(ctx, biasBuf, 0, a.bias, 0, Cout, stage);

  const cw = t.colBlock;
  const cwp = pitch8(cw);
  const W = cw + ext;
  const Wp = pitch8(W);
  const slots = t.ringSlots;
  const R = t.rowsPerUnit;
  const statsRows = R + geo.depth - 1;
  const statsPitch = pitch8(statsRows * 2);
  const slotRow = new Float64Array(slots);
  const ringOff = (slot: number, c: number): number => (slot * cig + c) * Wp;
  // Post: the padding around a loaded run is -inf, so the activation over whole blocks gives it exactly 0.
  const padValue = post ? -Infinity : 0;
  v.arange(gatherIndex, 0, cwp);

  for (let u = ctx.coreId; u < t.units; u += ctx.coreCount) {
    const rr = u % t.rowRanges;
    const bg = (u - rr) / t.rowRanges;
    const g = bg % G;
    const b = (bg - g) / G;
    const r0 = rr * R;
    const r1 = Math.min(L, r0 + R);
    // Rows the ring will hold for this unit.
    const rs0 = Math.max(0, r0 - pt);
    const rs1 = Math.min(L, r1 + pb);
    if (statsBuf && a.stats) {
      for (let c = 0; c < cig; c++) {
        const ci = g * cig + c;
        ctx.copyInPad(statsBuf, c * statsPitch, a.stats, ((b * Cin + ci) * L + rs0) * 2, (rs1 - rs0) * 2);
      }
    }
    for (let cb = 0; cb < t.colBlocks; cb++) {
      const c0 = cb * cw;
      const c1 = Math.min(L, c0 + cw);
      const nc = c1 - c0;
      ctx.setTile(`b=${b} g=${g} rows [${r0}, ${r1}) cols [${c0}, ${c1})`);
      if (c0 > r1 - 1) {
        // Entirely above the diagonal for every row of the unit: outputs are zeros, nothing to read.
        v.fill(acc, 0, nc, 0);
        for (let y = r0; y < r1; y++) {
          if (a.out) for (let o = 0; o < cog; o++) storeF32(ctx, a.out, ((b * Cout + g * cog + o) * L + y) * L + c0, acc, 0, nc, stage);
          if (post && a.probs) for (let c = 0; c < cig; c++) storeF32(ctx, a.probs, ((b * Cin + g * cig + c) * L + y) * L + c0, acc, 0, nc, stage);
        }
        continue;
      }
      slotRow.fill(NaN);
      let next = r0 - pt;
      const loadRow = (iy: number): void => {
        const slot = mod(iy, slots);
        slotRow[slot] = iy;
        if (iy < 0 || iy >= L) return;
        // Input columns this block reads: [c0 - pl, c1 - 1 - pl + ext], causal part only.
        const lo = Math.max(0, c0 - pl);
        const hi = Math.min(iy, L - 1, c1 - 1 - pl + ext);
        for (let c = 0; c < cig; c++) {
          const ci = g * cig + c;
          const base = ringOff(slot, c);
          if (hi < lo) {
            v.fill(ring, base, Wp, 0);
          } else {
            const s0 = lo - (c0 - pl);
            const n = hi - lo + 1;
            // The run starts at s0, maybe inside a block: load it at the block's start with left padding.
            const a0 = s0 - (s0 % 8);
            const end = pitch8(s0 + n);
            v.fill(ring, base, a0, 0);
            v.fill(ring, base + end, Wp - end, 0);
            loadF32(ctx, ring, base + a0, a.scores, ((b * Cin + ci) * L + iy) * L + lo, n, stage, { left: s0 - a0, value: padValue });
            if (post) {
              if (!multi) {
                activateInPlace(ctx, ring, base + a0, end - a0, geo.sparse, search);
              } else if (statsBuf) {
                const k = c * statsPitch + (iy - rs0) * 2;
                // Sparsemax row statistics are [tau relative to the row max, row max].
                if (geo.sparse) v.reluShift(ring, base + a0, end - a0, v.get(statsBuf, k), v.get(statsBuf, k + 1));
                else v.expShiftScale(ring, base + a0, end - a0, v.get(statsBuf, k), v.get(statsBuf, k + 1));
              }
              // exp(-inf) is 0, but a row whose statistics are NaN makes its padding NaN: the padding is 0.
              v.zeroOutside(ring, base + a0, end - a0, s0 - a0, s0 - a0 + n);
            }
          }
          if (post && a.probs && iy >= r0 && iy < r1) {
            // P's columns [c0, c1) sit pl elements into the slot: realign them to a block for the DMA.
            v.gather(phases, 0, ring, base + pl, gatherIndex, 0, nc);
            storeF32(ctx, a.probs, ((b * Cin + ci) * L + iy) * L + c0, phases, 0, nc, stage);
          }
        }
      };
      for (let oy = r0; oy < r1; oy++) {
        while (next <= oy + pb) loadRow(next++);
        const nValid = Math.min(nc, Math.max(0, oy + 1 - c0));
        for (let o = 0; o < cog; o++) {
          if (nValid > 0) v.fill(acc, o * cwp, nValid, biasBuf ? v.get(biasBuf, g * cog + o) : 0);
        }
        if (nValid > 0) {
          for (let kh = 0; kh < kH; kh++) {
            const iy = oy - pt + kh * dh;
            if (iy < 0 || iy >= L) continue;
            const slot = mod(iy, slots);
            if (slotRow[slot] !== iy) throw new Error(`internal: ring slot ${slot} holds row ${slotRow[slot]}, expected ${iy}`);
            for (let c = 0; c < cig; c++) {
              // One ring row feeds every output channel of the group: read it once for all of them.
              v.getRows(weight, (((g * cog) * cig + c) * kH + kh) * kW, cig * kH * kW, cog, kW, wrows);
              // Tap q reads the ring row shifted by q*dw: realign each shift to a block, then run the taps aligned.
              for (let q = 0; q < kW; q++) v.gather(phases, q * cwp, ring, ringOff(slot, c) + q * dw, gatherIndex, 0, nValid);
              axpyTapsMulti(v, acc, 0, cwp, cog, phases, 0, cwp, wrows, kW, nValid);
            }
          }
        }
        for (let o = 0; o < cog; o++) {
          const co = g * cog + o;
          const rowOff = ((b * Cout + co) * L + oy) * L + c0;
          if (post) {
            v.zeroOutside(acc, o * cwp, nc, 0, nValid);
            if (a.out) storeF32(ctx, a.out, rowOff, acc, o * cwp, nc, stage);
          } else if (!multi) {
            // Whole row of C: mask (only [0, oy] is kept) + activation, then the full output row.
            activateInPlace(ctx, acc, o * cwp, nValid, geo.sparse, search);
            v.zeroOutside(acc, o * cwp, nc, 0, nValid);
            if (a.out) storeF32(ctx, a.out, rowOff, acc, o * cwp, nc, stage);
          } else if (a.cScratch && nValid > 0) {
            ctx.copyOutPad(a.cScratch, rowOff, acc, o * cwp, nValid);
          }
        }
      }
    }
  }
}
