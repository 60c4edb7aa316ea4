/**
 * The `liger-ascend` preset: Liger-Kernel's row-wise `_ascend` MTA plan, read from its source.
 *
 * Source (github.com/linkedin/Liger-Kernel):
 * - `src/liger_kernel/ops/backends/_ascend/ops/multi_token_attention.py` at commit
 *   74c8e139f6282604641926a7d8401da90ce5ee80 (refs/pull/1122, "add mta for NPU", 2026-04-28): the revision whose
 *   every mask kernel is row-wise (`mask_zero_rowwise` with `get_optimal_block_size`). No `_ascend` MTA file is on
 *   Liger-Kernel main (checked at ead96b61, 2026-08-21); PR #1122's later revisions (our `liger-pr1122` preset)
 *   replaced the row-wise mask with 2-D tiles.
 * - `src/liger_kernel/ops/backends/_ascend/ub_manager.py` (identical at 74c8e139 and at main ead96b61):
 *   `compute_default_tiling_strategy(safety_margin=0.80, ...)` -> block = min(next_pow2(n), floorPow2(
 *   int(ubBits * margin) // (multiplier * dtype_size * 8))). Its default margin is 0.80, but every MTA call
 *   passes `safety_margin=0.9`, so 0.9 is what this preset uses.
 *
 * Formulas (multi_token_attention.py @ 74c8e139):
 * - `get_optimal_size_fused_mask_softmax(L, is_forward, dtype_size=2)`: next_pow2(L) if L <= 2048, else
 *   max(2048, tiling(margin 0.9, dtype_size 2, multiplier 6 forward / 8 backward)).
 * - `get_optimal_block_size(n_cols, is_forward)`: next_pow2(n) if n <= 4096, else max(4096, tiling(margin 0.9,
 *   dtype_size 4, multiplier 4 forward / 6 backward)); `mask_zero_rowwise` always passes is_forward=True.
 * - Kernels: `_fused_mask_softmax_fwd_kernel` (max pass, sum pass, normalise-and-store over range(0, i + 1,
 *   BLOCK), then stores 0 over range(i + 1, L, BLOCK): the whole row is written), the softmax / sparsemax
 *   backward (same zero fill), `_mask_row_kernel` (every column block of every row), on min(num_vectorcore,
 *   rows) programs grid-striding over rows. Convolutions are torch ops, outside the UB plan.
 *
 * As in `liger-pr1122`, UB bytes are the source's own multipliers at the real element size; the source's
 * own estimate (its fixed dtype_size) is shown beside them.
 */
import { dtypeBytes, type NpuDType, type NpuSpec, type PlannedBuffer } from '@mta/device-npu';
import type { NpuMtaConfig, NpuMtaShape } from './geometry.js';
import type { NpuKernelPlan, NpuMtaPlan, Tiling } from './plan-types.js';
import { floorPow2, nextPow2 } from './planner-pr1122.js';

/** The `safety_margin` every MTA call of the source passes (ub_manager's own default, 0.80, is never used). */
export const LIGER_ASCEND_MARGIN = 0.9;

/** ub_manager `compute_default_tiling_strategy` for one 1-D shape (n,), tiled along it. */
export function ligerTilingBlock(n: number, ubBits: number, margin: number, dtypeSize: number, multiplier: number): number {
  const safeBits = Math.floor(ubBits * margin);
  const maxBlock = Math.max(1, Math.floor(safeBits / (multiplier * dtypeSize * 8)));
  return Math.max(1, Math.min(nextPow2(n), floorPow2(maxBlock)));
}

/** `get_optimal_size_fused_mask_softmax(L, is_forward)`: the fused softmax / sparsemax row kernels' block. */
export function ligerSoftmaxBlock(L: number, forward: boolean, ubBits: number): number {
  if (L <= 2048) return nextPow2(L);
  return Math.max(2048, ligerTilingBlock(L, ubBits, LIGER_ASCEND_MARGIN, 2, forward ? 6 : 8));
}

/** `get_optimal_block_size(n_cols, is_forward=True)`: the row-wise zero mask's block. */
export function ligerMaskRowBlock(L: number, ubBits: number): number {
  if (L <= 4096) return nextPow2(L);
  return Math.max(4096, ligerTilingBlock(L, ubBits, LIGER_ASCEND_MARGIN, 4, 4));
}

export function planLigerAscend(shape: NpuMtaShape, config: NpuMtaConfig, dtype: NpuDType, spec: NpuSpec, bias: boolean): NpuMtaPlan {
  const ubBits = spec.ubBytes * 8;
  const cap = spec.ubBytes;
  const elem = dtypeBytes(dtype);
  const { B, Cin, Cout, L } = shape;
  const notes = [
    'Liger-Kernel _ascend multi_token_attention.py @ 74c8e139 (row-wise revision of PR #1122); ub_manager.py as on main ead96b61',
    'UB bytes = the source\'s live-buffer multipliers at the real element size; margin 0.9 as every MTA call passes it',
  ];
  const plan = (forward: NpuKernelPlan[], backward: NpuKernelPlan[], extra: string[] = []): NpuMtaPlan => ({
    planner: 'liger-ascend', shape, config, dtype, bias, ubBytes: cap, margin: LIGER_ASCEND_MARGIN, budgetBytes: cap, vectorCores: spec.vectorCores,
    forward, backward, fits: config.mode === 'post' && [...forward, ...backward].every((k) => k.fits), notes: [...notes, ...extra],
  });
  if (config.mode !== 'post') return plan([], [], ['the source implements post-softmax MTA only; pre mode has no plan']);

  const make = (name: string, direction: 'forward' | 'backward', description: string, tiling: Tiling, buffers: PlannedBuffer[], estimate?: number, extra: string[] = []): NpuKernelPlan => {
    const ub = buffers.length ? buffers.reduce((s, b) => s + b.bytes, 0) : null;
    const cores = tiling.kind === 'pr-row' ? Math.min(spec.vectorCores, tiling.rows) : 1;
    return {
      name, direction, description, cores, tiling, buffers, ubBytes: ub, budgetBytes: cap, capacityBytes: cap, fits: ub === null || ub <= cap,
      // The source allocates each buffer once (no BUFFER_NUM copies).
      doubleBuffered: false,
      ...(estimate !== undefined ? { prEstimateBytes: estimate } : {}), notes: extra,
    };
  };
  const rowKernel = (name: string, direction: 'forward' | 'backward', description: string, rows: number, block: number, m: number, sourceDtypeSize: number, output?: string): NpuKernelPlan => {
    const extra: string[] = [];
    if (block > L) extra.push(`block ${block} pads the row of ${L} to a power of two (masked lanes)`);
    if (elem !== sourceDtypeSize) extra.push(`the source sizes this block for ${sourceDtypeSize}-byte elements; ${dtype} is ${elem} bytes`);
    const buffer: PlannedBuffer = { name: `${m} x block`, elems: m * block, dtype, copies: 1, bytes: m * block * elem, purpose: `source multiplier m = ${m} live blocks of ${block} x ${elem} B` };
    return make(name, direction, description, { kind: 'pr-row', block, rows, writesOnlyBlocksBeforeDiagonal: false, ...(output ? { output } : {}) },
      [buffer], m * block * sourceDtypeSize, extra);
  };
  const external = (name: string, direction: 'forward' | 'backward', what: string): NpuKernelPlan =>
    make(name, direction, what, { kind: 'external', what }, [], undefined, ['not planned against the UB by the source']);

  const scoreRows = B * Cin * L;
  const outRows = B * Cout * L;
  const maskBlock = ligerMaskRowBlock(L, ubBits);
  const forward: NpuKernelPlan[] = [];
  if (config.sparse) {
    forward.push(rowKernel('liger-ascend.mask-row-scores', 'forward', 'row-wise causal mask of the scores (-1e9), every column block', scoreRows,
      ligerSoftmaxBlock(L, true, ubBits), 6, 2, 'masked scores'));
    forward.push(external('liger-ascend.sparsemax-fwd', 'forward', 'Liger GPU sparsemax forward on whole rows (sort)'));
  } else {
    forward.push(rowKernel('liger-ascend.fused-mask-softmax-fwd', 'forward', 'fused mask + softmax: max, sum and store passes over the causal blocks, then zeros after the diagonal',
      scoreRows, ligerSoftmaxBlock(L, true, ubBits), 6, 2));
  }
  forward.push(external('liger-ascend.conv2d', 'forward', 'torch F.conv2d'));
  forward.push(rowKernel('liger-ascend.mask-zero-rowwise-out', 'forward', 'mask_zero_rowwise of the convolution output, every column block', outRows, maskBlock, 4, 4, 'O'));
  const backward: NpuKernelPlan[] = [
    rowKernel('liger-ascend.mask-zero-rowwise-grad', 'backward', 'mask_zero_rowwise of the output gradient', outRows, maskBlock, 4, 4, 'masked dO'),
    external('liger-ascend.conv-backward', 'backward', 'torch conv_transpose2d + conv2d_weight'),
    rowKernel(config.sparse ? 'liger-ascend.fused-mask-sparsemax-bwd' : 'liger-ascend.fused-mask-softmax-bwd', 'backward',
      `fused ${config.sparse ? 'sparsemax' : 'softmax'} backward + mask, zeros after the diagonal`, scoreRows, ligerSoftmaxBlock(L, false, ubBits), 8, 2),
  ];
  return plan(forward, backward);
}
