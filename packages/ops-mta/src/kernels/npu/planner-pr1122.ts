/**
 * The `liger-pr1122` preset: Liger-Kernel PR #1122's tiling formulas, reproduced exactly, so the plan it
 * would pick can be inspected against this device's UB and run in the simulator with the PR's loop bounds.
 *
 * From the PR (ops/backends/_ascend/ops/multi_token_attention.py and ub_manager.py):
 * - row block: next_pow2(L) if L <= 2048, else max(2048, min(next_pow2(L), floorPow2(int(0.9 * ubBits) //
 *   (m * 2 * 8)))) with m = 6 forward, 8 backward; the element size is fixed at 2 bytes whatever the dtype.
 * - 2-D mask tile: b = int(sqrt(int(0.9 * ubBits) // (12 * max(elem, 4) * 8))), b = min(b, L, 512),
 *   b = max(b, 16), b = next_pow2(b), and b = L if b > L. Its model of the UB is 12 float32 tiles of b x b.
 * - row kernels run on min(vector cores, rows) programs that grid-stride over rows.
 *
 * Reported UB bytes use the PR's own multipliers with the real element size (m * block * elem for row
 * kernels, 12 * b^2 * max(elem, 4) for mask tiles); `prEstimateBytes` is what the PR itself computes.
 */
import { blocksBeforeDiagonalUnwritten } from './plan-coverage.js';
import { dtypeBytes, type NpuDType, type NpuSpec, type PlannedBuffer } from '@mta/device-npu';
import type { NpuMtaConfig, NpuMtaShape } from './geometry.js';
import type { NpuKernelPlan, NpuMtaPlan, Tiling } from './plan-types.js';

export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Largest power of two <= n (n >= 1), as `triton.next_power_of_2(n + 1) // 2`. */
export function floorPow2(n: number): number {
  return nextPow2(n + 1) / 2;
}

/** PR #1122 `get_optimal_size_fused_mask_softmax(L, is_forward)` with `ub_capacity_bits`. */
export function prRowBlock(L: number, forward: boolean, ubBits: number): number {
  if (L <= 2048) return nextPow2(L);
  const m = forward ? 6 : 8;
  const safeBits = Math.floor(ubBits * 0.9);
  const maxBlock = Math.max(1, Math.floor(safeBits / (m * 1 * 2 * 8)));
  const safe = floorPow2(maxBlock);
  const block = Math.max(1, Math.min(nextPow2(L), safe));
  return Math.max(2048, block);
}

/** PR #1122 `get_2d_optimal_block_size(L, dtype_size=elem, memory_multiplier=12)`. */
export function prMaskTile(L: number, elemBytes: number, ubBits: number): number {
  const dtypeSize = Math.max(elemBytes, 4);
  const safeBits = Math.floor(ubBits * 0.9);
  const maxArea = Math.max(1, Math.floor(safeBits / (12 * dtypeSize * 8)));
  let b = Math.floor(Math.sqrt(maxArea));
  b = Math.min(b, L, 512);
  b = Math.max(b, 16);
  b = nextPow2(b);
  if (b > L) b = L;
  return b;
}

/** Probabilities PR #1122's forward leaves unwritten per (batch, channel) map: blocks start only at or before the diagonal. */
export function prForwardUnwrittenPerMap(L: number, block: number): number {
  return blocksBeforeDiagonalUnwritten(L, block);
}

function estimateBuffer(name: string, elems: number, dtype: NpuDType, bytes: number, purpose: string): PlannedBuffer {
  return { name, elems, dtype, copies: 1, bytes, purpose };
}

export function planLigerPr1122(shape: NpuMtaShape, config: NpuMtaConfig, dtype: NpuDType, spec: NpuSpec, bias: boolean): NpuMtaPlan {
  const ubBits = spec.ubBytes * 8;
  const cap = spec.ubBytes;
  const elem = dtypeBytes(dtype);
  const { B, Cin, Cout, L } = shape;
  const notes: string[] = [
    'PR #1122 formulas; UB bytes = its own live-buffer multipliers at the real element size',
    'the 0.9 safety margin is applied before rounding, and max(2048, ...) / next_pow2 then round past it',
  ];
  const forward: NpuKernelPlan[] = [];
  const backward: NpuKernelPlan[] = [];
  const make = (
    name: string, direction: 'forward' | 'backward', description: string, cores: number, tiling: Tiling,
    buffers: PlannedBuffer[], prEstimate: number | undefined, extra: string[] = [],
  ): NpuKernelPlan => {
    const ub = buffers.length ? buffers.reduce((s, b) => s + b.bytes, 0) : null;
    return {
      name, direction, description, cores, tiling, buffers, ubBytes: ub, budgetBytes: cap, capacityBytes: cap,
      // The PR's multipliers count each buffer once: its plan is single-buffered as written.
      fits: ub === null || ub <= cap, doubleBuffered: false, ...(prEstimate !== undefined ? { prEstimateBytes: prEstimate } : {}), notes: extra,
    };
  };
  if (config.mode !== 'post') {
    return {
      planner: 'liger-pr1122', shape, config, dtype, bias, ubBytes: cap, margin: 0.9, budgetBytes: cap, vectorCores: spec.vectorCores,
      forward, backward, fits: false, notes: [...notes, 'PR #1122 implements post-softmax MTA only; pre mode has no plan'],
    };
  }
  const rowBlock = (fwd: boolean, name: string, dir: 'forward' | 'backward', rows: number, description: string, m: number): NpuKernelPlan => {
    const block = prRowBlock(L, fwd, ubBits);
    const extra: string[] = [];
    const unwritten = fwd ? prForwardUnwrittenPerMap(L, block) * (rows / L) : 0;
    if (fwd && block < L) {
      extra.push(`block ${block} < L: the forward writes only column blocks starting at or before the diagonal, leaving ${unwritten.toLocaleString('en-US')} probabilities unwritten`);
    }
    if (block > L) extra.push(`block ${block} pads the row of ${L} to a power of two (masked lanes)`);
    if (elem !== 2) extra.push(`PR assumes 2-byte elements; ${dtype} is ${elem} bytes, so its estimate of ${m * block * 2} B is ${elem / 2}x too small`);
    return make(name, dir, description, Math.min(spec.vectorCores, rows),
      { kind: 'pr-row', block, rows, writesOnlyBlocksBeforeDiagonal: fwd },
      [estimateBuffer(`${m} x block`, m * block, dtype, m * block * elem, `PR multiplier m = ${m} live blocks of ${block} x ${elem} B`)],
      m * block * 2, extra);
  };
  const maskTile = (name: string, dir: 'forward' | 'backward', what: string, channels: number): NpuKernelPlan => {
    const b = prMaskTile(L, elem, ubBits);
    const nb = Math.ceil(L / b);
    const size = Math.max(elem, 4);
    const extra: string[] = [];
    if ((b & (b - 1)) !== 0) extra.push(`tile ${b} is not a power of two: tl.arange cannot compile it on stock Triton`);
    const bytes = 12 * b * b * size;
    return make(name, dir, `2-D causal mask of ${what}, ${b} x ${b} tiles`, Math.min(spec.vectorCores, nb * nb * B * channels),
      { kind: 'pr-tile', tile: b, grid: [nb, nb, B * channels] },
      [estimateBuffer(`12 x tile`, 12 * b * b, 'float32', bytes, `PR multiplier 12 tiles of ${b} x ${b} x ${size} B`)], bytes, extra);
  };
  const external = (name: string, dir: 'forward' | 'backward', what: string): NpuKernelPlan =>
    make(name, dir, what, 1, { kind: 'external', what }, [], undefined, ['not planned against the UB by PR #1122']);

  if (config.sparse) {
    forward.push(maskTile('pr1122.mask-scores', 'forward', 'scores (-1e9)', Cin));
    forward.push(external('pr1122.sparsemax-fwd', 'forward', 'Liger GPU sparsemax forward on whole rows (sort)'));
  } else {
    forward.push(rowBlock(true, 'pr1122.fused-mask-softmax-fwd', 'forward', B * Cin * L, 'fused mask + online softmax, then a write pass', 6));
  }
  forward.push(external('pr1122.conv2d', 'forward', 'torch F.conv2d'));
  forward.push(maskTile('pr1122.mask-out', 'forward', 'the convolution output (0)', Cout));
  backward.push(maskTile('pr1122.mask-grad', 'backward', 'the output gradient (0)', Cout));
  backward.push(external('pr1122.conv-backward', 'backward', 'torch conv_transpose2d + conv2d_weight'));
  backward.push(rowBlock(false, config.sparse ? 'pr1122.fused-mask-sparsemax-bwd' : 'pr1122.fused-mask-softmax-bwd', 'backward', B * Cin * L,
    `fused ${config.sparse ? 'sparsemax' : 'softmax'} backward + mask`, 8));
  const all = [...forward, ...backward];
  return {
    planner: 'liger-pr1122', shape, config, dtype, bias, ubBytes: cap, margin: 0.9, budgetBytes: cap, vectorCores: spec.vectorCores,
    forward, backward, fits: all.every((k) => k.fits), notes,
  };
}
