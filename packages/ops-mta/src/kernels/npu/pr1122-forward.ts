/**
 * PR #1122's fused mask + softmax forward, run in the simulator with the PR's loop bounds, to show which
 * outputs its plan leaves unwritten. Grid: min(vector cores, rows) programs grid-striding over rows; per
 * row, an online max/sum pass over `range(0, i + 1, BLOCK)` and a write pass over the same blocks. As
 * measured on the PR's own kernel (background.md), each written block is stored whole (probabilities up to
 * the diagonal, zeros after it, clipped at L) and no block starting after the diagonal is written: with a
 * block shorter than the row, the rest of the row stays whatever the allocation held.
 *
 * The UB holds the buffers this simulated kernel actually uses (one float32 block, plus a staging block for
 * half dtypes); the PR's own multiplier estimate is reported by the `liger-pr1122` plan instead.
 */
import { PlanError, loadF32, reduceTmpElems, storeF32, type GmBuffer, type LaunchRecord, type NpuSimulator } from '@mta/device-npu';
import type { NpuMtaPlan } from './plan-types.js';

export interface PrForwardResult {
  readonly probs: GmBuffer;
  readonly record: LaunchRecord;
}

/**
 * Run the PR's forward on scores (B, C, L, L). In poison mode (the default) a block shorter than the row makes
 * the launch throw `UnwrittenOutputError` with the exact unwritten count; with poison off it returns.
 */
export function runLigerPr1122SoftmaxForward(sim: NpuSimulator, scores: GmBuffer, plan: NpuMtaPlan): PrForwardResult {
  if (plan.planner !== 'liger-pr1122') throw new PlanError(`runLigerPr1122SoftmaxForward needs a 'liger-pr1122' plan, got '${plan.planner}'`);
  const k = plan.forward.find((x) => x.name === 'pr1122.fused-mask-softmax-fwd');
  if (!k || k.tiling.kind !== 'pr-row') throw new PlanError('the plan has no PR #1122 softmax forward (is it a sparse or pre-mode plan?)');
  const L = plan.shape.L;
  if (scores.shape.length !== 4 || scores.shape[2] !== L || scores.shape[3] !== L) {
    throw new Error(`scores: expected shape [B, C, ${L}, ${L}], got [${scores.shape.join(', ')}]`);
  }
  const block = k.tiling.block;
  const rows = scores.length / L;
  const probs = sim.alloc('pr1122.probs', scores.dtype, [...scores.shape]);
  const cores = Math.min(sim.spec.vectorCores, rows);
  const record = sim.launch(
    {
      kernel: k.name,
      plan: `PR #1122: BLOCK ${block}, ${cores} programs grid-striding over ${rows} rows; blocks from range(0, i + 1, BLOCK) only`,
      cores,
      outputs: [probs],
      minReadBytes: (rows * (L + 1) * scores.elemBytes) / 2,
      minWriteBytes: probs.byteLength,
    },
    (ctx) => {
      const v = ctx.v;
      const width = Math.min(block, L);
      const vals = ctx.alloc('vals', width);
      // Triton-Ascend gives a reduction its scratch; here it is allocated (and counted) like the block.
      v.useSharedTmp(ctx.alloc('reduce-tmp', reduceTmpElems(width)));
      const stage = scores.dtype === 'float32' ? null : ctx.alloc('stage', width, { dtype: scores.dtype });
      ctx.setTile(`row block ${block}`);
      for (let row = ctx.coreId; row < rows; row += ctx.coreCount) {
        const i = row % L;
        const valid = i + 1;
        const base = row * L;
        let m = -Infinity;
        let s = 0;
        for (let bs = 0; bs < valid; bs += block) {
          const n = Math.min(block, valid - bs);
          loadF32(ctx, vals, 0, scores, base + bs, n, stage);
          const bm = v.reduceMax(vals, 0, n);
          const mNew = Math.max(m, bm);
          s = s * Math.exp(m - mNew);
          v.expShift(vals, 0, n, mNew);
          s += v.reduceSum(vals, 0, n);
          m = mNew;
        }
        for (let bs = 0; bs < valid; bs += block) {
          const n = Math.min(block, valid - bs);
          const w = Math.min(block, L - bs);
          loadF32(ctx, vals, 0, scores, base + bs, n, stage);
          v.expShiftScale(vals, 0, n, m, 1 / s);
          v.zeroOutside(vals, 0, w, 0, n);
          storeF32(ctx, probs, base + bs, vals, 0, w, stage);
        }
      }
    },
  );
  return { probs, record };
}
