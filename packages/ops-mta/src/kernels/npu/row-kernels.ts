/**
 * Row kernels for rows longer than a band kernel can hold. Rows go in chunks of `rowChunk`, grid-strided
 * over cores; each row's causal part [0, i] is read in blocks of `rowBlock` (one block when it fits).
 *
 * - softmax-fwd:   online max and sum in one pass (stats = [max, 1/sum]).
 * - sparsemax-fwd: one max pass, then threshold-search passes (stats = [tau, 0]); no row is ever staged whole.
 * - softmax-bwd:   dot(dO, O) (stats = [dot, 0]).
 * - sparsemax-bwd: mean of dO over the support O > 0 (stats = [mean, 0]).
 * With `out` set (pre-mode forward), a final pass writes the activated row, zeros above the diagonal.
 */
import { allocPlanned, loadF32, plannedBuffer, storeF32, type GmBuffer, type KernelContext, type LaunchRecord, type NpuSimulator, type UbBuf } from '@mta/device-npu';
import type { NpuKernelPlan, RowTiling } from './plan-types.js';
import { SparsemaxTauSearch } from './sparsemax-tau.js';

export type RowStatKind = 'softmax-fwd' | 'sparsemax-fwd' | 'softmax-bwd' | 'sparsemax-bwd';

export interface RowKernelArgs {
  readonly kplan: NpuKernelPlan;
  readonly kind: RowStatKind;
  readonly L: number;
  /** Scores / C (forward) or dO (backward), (rows, L) row-major. */
  readonly x: GmBuffer;
  /** Backward: O. */
  readonly y: GmBuffer | null;
  /** Statistics output [row] x 2, or null when the kernel writes `out` instead. */
  readonly stats: GmBuffer | null;
  readonly out: GmBuffer | null;
  readonly minReadBytes: number;
  readonly minWriteBytes: number;
}

export function runRowKernel(sim: NpuSimulator, a: RowKernelArgs): LaunchRecord {
  const t = a.kplan.tiling as RowTiling;
  const outputs = [a.stats, a.out].filter((x): x is GmBuffer => x !== null);
  return sim.launch(
    {
      kernel: a.kplan.name,
      plan: `${a.kind}: ${t.rows} rows in chunks of ${t.rowChunk}, row block ${t.rowBlock}${t.rowBlock < a.L ? ` (${Math.ceil(a.L / t.rowBlock)} blocks per long row)` : ''}`,
      cores: a.kplan.cores,
      doubleBuffered: a.kplan.doubleBuffered,
      outputs,
      minReadBytes: a.minReadBytes,
      minWriteBytes: a.minWriteBytes,
    },
    (ctx) => rowCore(ctx, a, t),
  );
}

function rowCore(ctx: KernelContext, a: RowKernelArgs, t: RowTiling): void {
  const v = ctx.v;
  const { kplan, L } = a;
  const bufs = allocPlanned(ctx, kplan.buffers);
  const blk = plannedBuffer(bufs, 'block', kplan.name);
  const blk2 = a.y ? plannedBuffer(bufs, 'block2', kplan.name) : null;
  const statsBuf = a.stats ? plannedBuffer(bufs, 'stats', kplan.name) : null;
  const stage = bufs.get('stage') ?? null;
  const rb = t.rowBlock;
  const search = new SparsemaxTauSearch();
  const pair = new Float64Array(2);
  v.useSharedTmp(plannedBuffer(bufs, 'reduce-tmp', kplan.name));

  const load = (buf: UbBuf, src: GmBuffer, rowBase: number, start: number, n: number): void => loadF32(ctx, buf, 0, src, rowBase + start, n, stage);

  for (let ch = ctx.coreId; ch < t.chunks; ch += ctx.coreCount) {
    const rowStart = ch * t.rowChunk;
    const rowEnd = Math.min(t.rows, rowStart + t.rowChunk);
    ctx.setTile(`rows [${rowStart}, ${rowEnd}) block ${rb}`);
    for (let row = rowStart; row < rowEnd; row++) {
      const i = row % L;
      const valid = i + 1;
      const base = row * L;
      const single = valid <= rb;
      let s0 = 0;
      let s1 = 0;
      if (single) load(blk, a.x, base, 0, valid);
      switch (a.kind) {
        case 'softmax-fwd': {
          let m = -Infinity;
          let s = 0;
          for (let bs = 0; bs < valid; bs += rb) {
            const n = Math.min(rb, valid - bs);
            if (!single) load(blk, a.x, base, bs, n);
            const bm = v.reduceMax(blk, 0, n);
            if (bm > m) {
              s *= Math.exp(m - bm);
              m = bm;
            }
            s += v.expShiftSum(blk, 0, n, m);
          }
          s0 = m;
          s1 = 1 / s;
          // Single block: blk holds exp(x - max); finishing the probabilities is one scale away.
          if (single && a.out) v.scale(blk, 0, valid, s1);
          break;
        }
        case 'sparsemax-fwd': {
          let m = -Infinity;
          if (single) m = v.reduceMax(blk, 0, valid);
          else {
            for (let bs = 0; bs < valid; bs += rb) {
              const n = Math.min(rb, valid - bs);
              load(blk, a.x, base, bs, n);
              m = Math.max(m, v.reduceMax(blk, 0, n));
            }
          }
          // The statistics are [tau relative to the row max, the row max] (see SparsemaxTauSearch.find).
          s0 = search.find(m, (taus, k, sums, counts) => {
            if (single) v.thresholdStats(blk, 0, valid, taus, k, sums, counts, m);
            else {
              for (let bs = 0; bs < valid; bs += rb) {
                const n = Math.min(rb, valid - bs);
                load(blk, a.x, base, bs, n);
                v.thresholdStats(blk, 0, n, taus, k, sums, counts, m);
              }
            }
          });
          s1 = m;
          if (single && a.out) v.reluShift(blk, 0, valid, s0, s1);
          break;
        }
        case 'softmax-bwd':
        case 'sparsemax-bwd': {
          pair[0] = 0;
          pair[1] = 0;
          let dot = 0;
          for (let bs = 0; bs < valid; bs += rb) {
            const n = Math.min(rb, valid - bs);
            if (!single || bs > 0) load(blk, a.x, base, bs, n);
            load(blk2!, a.y!, base, bs, n);
            if (a.kind === 'softmax-bwd') dot += v.dot(blk, 0, blk2!, 0, n);
            else v.supportStats(blk2!, 0, blk, 0, n, pair);
          }
          s0 = a.kind === 'softmax-bwd' ? dot : pair[0]! / pair[1]!;
          break;
        }
      }
      if (statsBuf) {
        v.set(statsBuf, (row - rowStart) * 2, s0);
        v.set(statsBuf, (row - rowStart) * 2 + 1, s1);
      }
      if (a.out) writeRow(ctx, a, blk, stage, base, valid, single, s0, s1, rb);
    }
    if (statsBuf && a.stats) ctx.copyOutPad(a.stats, rowStart * 2, statsBuf, 0, (rowEnd - rowStart) * 2);
  }
}

/** Final pass of the pre-mode forward: activated causal part, zeros above the diagonal. */
function writeRow(ctx: KernelContext, a: RowKernelArgs, blk: UbBuf, stage: UbBuf | null, base: number, valid: number, single: boolean, s0: number, s1: number, rb: number): void {
  const v = ctx.v;
  const sparse = a.kind === 'sparsemax-fwd';
  const L = a.L;
  for (let bs = 0; bs < L; bs += rb) {
    const n = Math.min(rb, L - bs);
    const have = Math.max(0, Math.min(n, valid - bs));
    if (have > 0 && !(single && bs === 0)) {
      loadF32(ctx, blk, 0, a.x, base + bs, have, stage);
      if (sparse) v.reluShift(blk, 0, have, s0, s1);
      else v.expShiftScale(blk, 0, have, s0, s1);
    }
    v.zeroOutside(blk, 0, n, 0, have);
    storeF32(ctx, a.out!, base + bs, blk, 0, n, stage);
  }
}
