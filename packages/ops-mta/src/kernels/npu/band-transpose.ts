/**
 * Backward band kernel: input-gradient rows of one (batch, group) map, a range of rows per unit, column
 * block by column block, by transposed convolution from a ring of (kH-1)*dh + 2 output-gradient rows.
 *
 * post mode: ring rows are Gy = dO with the future zeroed (only the causal part is loaded). The transposed
 *   convolution gives dP; with the probability row P the softmax/sparsemax backward gives dS:
 *   - single: whole rows, row sums inline;
 *   - stats:  pass 1 accumulates per-row sum(dP * P) (or support sum and count) across column blocks;
 *   - apply:  pass 2 recomputes dP per block and applies the backward with those sums.
 * pre mode: ring rows are dC = activation backward of (dO, O) (row sums inline, or from a row-stats kernel),
 *   the transposed convolution gives dS0, and dS is dS0 with the future zeroed.
 *
 * Weight and bias gradients: each input cell (y, x) of the unit's own rows and columns meets every
 * output-gradient cell it touched, so dW += operand(y, x) * ring(...) sums every product exactly once across
 * all units; db sums the ring rows the unit owns. Both accumulate per core in float32 with Kahan
 * compensation and are written as one partial row per core, reduced by the wgrad-reduce kernel.
 *
 * Alignment, as in the forward band kernel: ring slots and channel rows are pitched to whole 32-byte blocks,
 * runs that start inside a block are loaded at the block's start with zero left padding (zero is what dO, O
 * and dC are outside the causal part), and the taps' shifted rows (and the owned columns summed for the bias
 * gradient) are realigned with a gather before aligned instructions read them.
 */
import { allocPlanned, loadF32, plannedBuffer, storeF32, type GmBuffer, type KernelContext, type LaunchRecord, type NpuSimulator } from '@mta/device-npu';
import type { BandTiling, NpuKernelPlan } from './plan-types.js';
import type { MtaGeometry } from '../../geometry.js';
import { mod } from './ring.js';
import { biasGradOffset, gradPartialPitch, pitch8 } from './ub-buffers.js';
import { axpyDotTapsMulti, axpyTapsMulti } from './vector-taps.js';

export interface BandTransposeArgs {
  readonly geo: MtaGeometry;
  readonly kplan: NpuKernelPlan;
  readonly gradOut: GmBuffer;
  /** post: P; pre: O (the forward output). */
  readonly probs: GmBuffer;
  /** pre: the scores (S0 = S with the future zeroed is the weight-gradient operand). */
  readonly scores: GmBuffer | null;
  readonly weight: GmBuffer;
  readonly hasBias: boolean;
  /** dS (every element): single, apply, pre multi. */
  readonly gradScores: GmBuffer | null;
  /** post stats pass writes, apply pass reads: [(b*Cin + c)*L + row] x 2. pre multi reads dC statistics [(b*Cout + c)*L + row] x 2. */
  readonly stats: GmBuffer | null;
  /** Per-core weight/bias gradient partials [cores][gradPartialPitch]: weights, padding to a block, bias, padding (not in the apply pass). */
  readonly partials: GmBuffer | null;
  readonly minReadBytes: number;
  readonly minWriteBytes: number;
}

export function runBandTranspose(sim: NpuSimulator, a: BandTransposeArgs): LaunchRecord {
  const t = a.kplan.tiling as BandTiling;
  const outputs: GmBuffer[] = [];
  if (a.gradScores && t.pass !== 'stats') outputs.push(a.gradScores);
  if (a.stats && t.pass === 'stats') outputs.push(a.stats);
  if (a.partials && t.pass !== 'apply') outputs.push(a.partials);
  return sim.launch(
    {
      kernel: a.kplan.name,
      plan: `${t.pass}: column block ${t.colBlock} x ${t.colBlocks}, ${t.rowsPerUnit} rows/unit, ${t.units} units`,
      cores: a.kplan.cores,
      doubleBuffered: a.kplan.doubleBuffered,
      outputs,
      minReadBytes: a.minReadBytes,
      minWriteBytes: a.minWriteBytes,
    },
    (ctx) => bandTransposeCore(ctx, a),
    // The same body on the simulator's worker threads, when it has some (npu-worker-entry.ts knows it by name).
    { name: BAND_TRANSPOSE_BODY, args: a },
  );
}

/** The name the npu worker threads know bandTransposeCore by. */
export const BAND_TRANSPOSE_BODY = 'mta.band-transpose';

/** One core of a band transpose launch: its units (u = coreId, coreId + cores, ...). */
export function bandTransposeCore(ctx: KernelContext, a: BandTransposeArgs): void {
  const t = a.kplan.tiling as BandTiling;
  const { geo, kplan } = a;
  const v = ctx.v;
  const { L, cig, cog, kH, kW, pt, pb, pl, dh, dw, ext, groups: G, Cin, Cout, wElems } = geo;
  const post = geo.mode === 'post';
  const pass = t.pass;
  const accumulateGrads = pass !== 'apply';
  const bufs = allocPlanned(ctx, kplan.buffers);
  const weight = plannedBuffer(bufs, 'weight', kplan.name);
  const ring = plannedBuffer(bufs, 'ring', kplan.name);
  const dx = plannedBuffer(bufs, 'dx', kplan.name);
  const operand = plannedBuffer(bufs, 'operand', kplan.name);
  const otmp = post ? null : plannedBuffer(bufs, 'otmp', kplan.name);
  const dwsum = accumulateGrads ? plannedBuffer(bufs, 'dwsum', kplan.name) : null;
  const dwcomp = accumulateGrads ? plannedBuffer(bufs, 'dwcomp', kplan.name) : null;
  const rowstats = bufs.get('rowstats') ?? null;
  const stage = bufs.get('stage') ?? null;
  const phases = plannedBuffer(bufs, 'phases', kplan.name);
  const gatherIndex = plannedBuffer(bufs, 'gather-index', kplan.name);
  v.useSharedTmp(plannedBuffer(bufs, 'reduce-tmp', kplan.name));
  const nW = gradPartialPitch(geo, a.hasBias);
  const biasAt = biasGradOffset(geo);
  const pair = new Float64Array(2);
  const wrows = new Float64Array(cig * kW);
  const dots = new Float64Array(cig * kW);

  loadF32(ctx, weight, 0, a.weight, 0, wElems, stage);
  if (dwsum && dwcomp) {
    v.fill(dwsum, 0, nW, 0);
    v.fill(dwcomp, 0, nW, 0);
  }

  const cw = t.colBlock;
  const cwp = pitch8(cw);
  const W = cw + ext;
  const Wp = pitch8(W);
  const slots = t.ringSlots;
  const R = t.rowsPerUnit;
  const dcRows = R + geo.depth - 1;
  const ownPitch = pitch8(R * 2);
  const dcPitch = pitch8(dcRows * 2);
  const slotRow = new Float64Array(slots);
  const ringOff = (slot: number, c: number): number => (slot * cog + c) * Wp;
  v.arange(gatherIndex, 0, cwp);

  for (let u = ctx.coreId; u < t.units; u += ctx.coreCount) {
    const rr = u % t.rowRanges;
    const bg = (u - rr) / t.rowRanges;
    const g = bg % G;
    const b = (bg - g) / G;
    const r0 = rr * R;
    const r1 = Math.min(L, r0 + R);
    const nr = r1 - r0;
    // Ring rows this unit touches: [r0 - pb, r1 - 1 + pt].
    const rs0 = Math.max(0, r0 - pb);
    const rs1 = Math.min(L, r1 + pt);
    if (rowstats && a.stats) {
      if (post && pass === 'stats') v.fill(rowstats, 0, rowstats.elems, 0);
      if (post && pass === 'apply') {
        for (let c = 0; c < cig; c++) ctx.copyInPad(rowstats, c * ownPitch, a.stats, ((b * Cin + g * cig + c) * L + r0) * 2, nr * 2);
      }
      if (!post) {
        for (let c = 0; c < cog; c++) ctx.copyInPad(rowstats, c * dcPitch, a.stats, ((b * Cout + g * cog + c) * L + rs0) * 2, (rs1 - rs0) * 2);
      }
    }
    for (let cb = 0; cb < t.colBlocks; cb++) {
      const c0 = cb * cw;
      const c1 = Math.min(L, c0 + cw);
      const nc = c1 - c0;
      ctx.setTile(`b=${b} g=${g} rows [${r0}, ${r1}) cols [${c0}, ${c1})`);
      if (c0 > r1 - 1) {
        // Above the diagonal for every row: dS is zero; nothing contributes to dW, db or the row sums.
        if (a.gradScores && pass !== 'stats') {
          v.fill(dx, 0, nc, 0);
          for (let y = r0; y < r1; y++) {
            for (let c = 0; c < cig; c++) storeF32(ctx, a.gradScores, ((b * Cin + g * cig + c) * L + y) * L + c0, dx, 0, nc, stage);
          }
        }
        continue;
      }
      slotRow.fill(NaN);
      const loadRow = (oy: number): void => {
        const slot = mod(oy, slots);
        slotRow[slot] = oy;
        if (oy < 0 || oy >= L) return;
        // Output-gradient columns this block reads: [c0 + pl - ext, c1 - 1 + pl], causal part only.
        const lo = Math.max(0, c0 + pl - ext);
        const hi = Math.min(L - 1, oy, c1 - 1 + pl);
        for (let c = 0; c < cog; c++) {
          const co = g * cog + c;
          const base = ringOff(slot, c);
          if (hi < lo) {
            v.fill(ring, base, Wp, 0);
            continue;
          }
          const s0 = lo - (c0 + pl - ext);
          const n = hi - lo + 1;
          // The run starts at s0, maybe inside a block: load it at the block's start with zero left padding.
          const a0 = s0 - (s0 % 8);
          const end = pitch8(s0 + n);
          v.fill(ring, base, a0, 0);
          v.fill(ring, base + end, Wp - end, 0);
          const rowOff = ((b * Cout + co) * L + oy) * L;
          const zeroPad = { left: s0 - a0, value: 0 };
          loadF32(ctx, ring, base + a0, a.gradOut, rowOff + lo, n, stage, zeroPad);
          if (!post && otmp) {
            // dC = activation backward of (dO, O) on the causal part of the row (the zero padding stays zero).
            loadF32(ctx, otmp, a0, a.probs, rowOff + lo, n, stage, zeroPad);
            let stat: number;
            if (pass === 'single') {
              if (geo.sparse) {
                pair[0] = 0;
                pair[1] = 0;
                v.supportStats(otmp, a0, ring, base + a0, end - a0, pair);
                stat = pair[0]! / pair[1]!;
              } else {
                stat = v.dot(ring, base + a0, otmp, a0, end - a0);
              }
            } else {
              stat = v.get(rowstats!, c * dcPitch + (oy - rs0) * 2);
            }
            if (geo.sparse) v.sparsemaxGrad(ring, base + a0, otmp, a0, end - a0, stat);
            else v.softmaxGrad(ring, base + a0, otmp, a0, end - a0, stat);
            // A NaN statistic would turn the padding NaN: outside the run dC is 0.
            v.zeroOutside(ring, base + a0, end - a0, s0 - a0, s0 - a0 + n);
          }
          if (dwsum && dwcomp && a.hasBias && oy >= r0 && oy < r1) {
            const own = Math.min(nc, oy + 1 - c0);
            if (own > 0) {
              // The owned columns sit ext - pl elements into the slot: realign them for the reduction.
              v.gather(phases, 0, ring, base + ext - pl, gatherIndex, 0, own);
              v.kahanAdd(dwsum, dwcomp, biasAt + co, v.reduceSum(phases, 0, own));
            }
          }
        }
      };
      let next = r0 - pb;
      for (let y = r0; y < r1; y++) {
        while (next <= y + pt) loadRow(next++);
        const nValid = Math.min(nc, Math.max(0, y + 1 - c0));
        if (nValid > 0) {
          // Operand row: P (post) or S0 (pre; its future is never loaded).
          if (post || accumulateGrads) {
            const src = post ? a.probs : a.scores!;
            for (let c = 0; c < cig; c++) loadF32(ctx, operand, c * cwp, src, ((b * Cin + g * cig + c) * L + y) * L + c0, nValid, stage);
          }
          for (let c = 0; c < cig; c++) v.fill(dx, c * cwp, nValid, 0);
          for (let kh = 0; kh < kH; kh++) {
            const oy = y + pt - kh * dh;
            if (oy < 0 || oy >= L) continue;
            const slot = mod(oy, slots);
            if (slotRow[slot] !== oy) throw new Error(`internal: ring slot ${slot} holds row ${slotRow[slot]}, expected ${oy}`);
            for (let o = 0; o < cog; o++) {
              // Tap q reads the ring row at ext - q*dw: realign each shift to a block for the aligned taps.
              const rbase = ringOff(slot, o) + ext;
              for (let q = 0; q < kW; q++) v.gather(phases, q * cwp, ring, rbase - q * dw, gatherIndex, 0, nValid);
              // One ring row feeds every input channel of the group: read it once for all of them.
              const wIdx0 = (((g * cog + o) * cig) * kH + kh) * kW;
              const wStride = kH * kW;
              v.getRows(weight, wIdx0, wStride, cig, kW, wrows);
              if (dwsum && dwcomp) {
                // dx gets the transposed convolution; dW the products of the operand with the same ring row.
                axpyDotTapsMulti(v, dx, 0, cwp, cig, phases, 0, cwp, wrows, kW, nValid, operand, 0, cwp, dots);
                v.kahanAddRows(dwsum, dwcomp, wIdx0, wStride, cig, kW, dots);
              } else {
                axpyTapsMulti(v, dx, 0, cwp, cig, phases, 0, cwp, wrows, kW, nValid);
              }
            }
          }
        }
        for (let c = 0; c < cig; c++) {
          const off = c * cwp;
          if (post && nValid > 0) {
            if (pass === 'single') {
              if (geo.sparse) {
                pair[0] = 0;
                pair[1] = 0;
                v.supportStats(operand, off, dx, off, nValid, pair);
                v.sparsemaxGrad(dx, off, operand, off, nValid, pair[0]! / pair[1]!);
              } else {
                v.softmaxGrad(dx, off, operand, off, nValid, v.dot(dx, off, operand, off, nValid));
              }
            } else if (pass === 'stats') {
              const k = c * ownPitch + (y - r0) * 2;
              if (geo.sparse) {
                pair[0] = 0;
                pair[1] = 0;
                v.supportStats(operand, off, dx, off, nValid, pair);
                v.set(rowstats!, k, v.get(rowstats!, k) + pair[0]!);
                v.set(rowstats!, k + 1, v.get(rowstats!, k + 1) + pair[1]!);
              } else {
                v.set(rowstats!, k, v.get(rowstats!, k) + v.dot(dx, off, operand, off, nValid));
              }
            } else {
              const k = c * ownPitch + (y - r0) * 2;
              if (geo.sparse) v.sparsemaxGrad(dx, off, operand, off, nValid, v.get(rowstats!, k) / v.get(rowstats!, k + 1));
              else v.softmaxGrad(dx, off, operand, off, nValid, v.get(rowstats!, k));
            }
          }
          if (a.gradScores && pass !== 'stats') {
            v.zeroOutside(dx, off, nc, 0, nValid);
            storeF32(ctx, a.gradScores, ((b * Cin + g * cig + c) * L + y) * L + c0, dx, off, nc, stage);
          }
        }
      }
    }
    if (rowstats && a.stats && post && pass === 'stats') {
      for (let c = 0; c < cig; c++) ctx.copyOutPad(a.stats, ((b * Cin + g * cig + c) * L + r0) * 2, rowstats, c * ownPitch, nr * 2);
    }
  }
  // Whole blocks (the row is pitched, padding zero): a plain DataCopy, and no block shared with another core.
  if (dwsum && a.partials) ctx.copyOut(a.partials, ctx.coreId * nW, dwsum, 0, nW);
}
