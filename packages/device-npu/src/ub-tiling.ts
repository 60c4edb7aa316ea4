/**
 * The generic UB tiling planner. A kernel declares the Unified Buffer buffers it allocates as a function of
 * its block size (the elements along the dimension it tiles); the planner sizes every buffer exactly as the
 * UB allocator will (element size, rounded up to the alignment, times copies for a double buffer) and
 * returns the largest block whose buffers fit under `capacity * margin`, or says that none does.
 *
 *   const tiling = planUbTiling({
 *     kernel: 'scale-rows',
 *     maxBlock: rowLength,
 *     buffers: (block) => [
 *       { name: 'in', elems: block, dtype: 'float32', copies: 2, purpose: 'input block (double-buffered)' },
 *       { name: 'out', elems: block, dtype: 'float16', purpose: 'output block' },
 *     ],
 *   }, ubLimitsOf(spec));
 *   // tiling.block, tiling.buffers (allocate them with allocPlanned), tiling.ubBytes <= tiling.budgetBytes
 *
 * Double buffering is a property of the plan: a buffer declared `streamed` (DMA fills or drains it while the
 * vector unit works on the other copy) is reserved BUFFER_NUM times, AscendC's `BUFFER_NUM = 2` (Triton-Ascend's
 * multibuffer, on by default, does the same to each load). With `bufferNum` unset the planner tries 2 and
 * falls back to 1 when nothing fits double-buffered; the tiling says which it got (`bufferNum`,
 * `doubleBuffered`), and a launch that passes `doubleBuffered` has its DMA time overlapped with compute.
 *
 * The planner knows nothing of any op: what a block means and which buffers it needs is the kernel's.
 */
import { type NpuDType, dtypeBytes } from './dtype.js';
import { UbTilingOverflowError } from './errors.js';
import type { NpuSpec } from './spec.js';

/** One buffer a kernel will allocate in the UB, sized for one block. */
export interface UbBufferDecl {
  readonly name: string;
  readonly elems: number;
  /** Element type in the UB: it fixes the element size (float32 4 bytes, half formats 2). */
  readonly dtype: NpuDType;
  /** 2 for a double buffer (ping-pong): its bytes are reserved twice. Default 1, or BUFFER_NUM when `streamed`. */
  readonly copies?: 1 | 2;
  /** DMA streams through it (a load or store queue): the plan reserves BUFFER_NUM copies unless `copies` says otherwise. */
  readonly streamed?: boolean;
  /** What the buffer holds; shown in plan reports and overflow errors. */
  readonly purpose: string;
}

/** Copies of each streamed buffer: 1 (single-buffered) or 2 (AscendC's BUFFER_NUM = 2, double-buffered). */
export type BufferNum = 1 | 2;

/** AscendC's default: two copies of every queue buffer, so the next DMA runs while the vector unit computes. */
export const DEFAULT_BUFFER_NUM: BufferNum = 2;

/** A declared buffer with its exact UB footprint: what the allocator reserves for it. */
export interface PlannedBuffer {
  readonly name: string;
  readonly elems: number;
  readonly dtype: NpuDType;
  readonly copies: 1 | 2;
  /** Aligned bytes times copies: exactly what the UB allocator reserves. */
  readonly bytes: number;
  readonly purpose: string;
}

/** The UB a plan is made against. */
export interface UbLimits {
  readonly capacityBytes: number;
  readonly alignmentBytes: number;
  /** Fraction of the capacity a plan may use (default DEFAULT_UB_MARGIN): the safety margin. */
  readonly margin?: number;
}

/** The buffers of one kernel for a block size. Their total bytes must not decrease as the block grows. */
export type UbBufferLayout = (block: number) => readonly UbBufferDecl[];

export interface UbTilingRequest {
  /** Kernel name, for errors. */
  readonly kernel: string;
  readonly buffers: UbBufferLayout;
  /** Largest block worth having (e.g. the row length). */
  readonly maxBlock: number;
  /** Smallest block the kernel can run with (default 1). */
  readonly minBlock?: number;
  /** Copies of the streamed buffers. Unset: DEFAULT_BUFFER_NUM (2) if anything fits that way, else 1. */
  readonly bufferNum?: BufferNum;
}

/** A block size with its buffers, their total against the budget, and whether it fits. */
export interface UbTiling {
  readonly kernel: string;
  readonly block: number;
  readonly buffers: readonly PlannedBuffer[];
  readonly ubBytes: number;
  readonly budgetBytes: number;
  readonly capacityBytes: number;
  readonly fits: boolean;
  /** Copies the plan reserves of each streamed buffer. */
  readonly bufferNum: BufferNum;
  /** Some buffer has two copies: DMA can overlap compute (the time estimate takes the larger, not the sum). */
  readonly doubleBuffered: boolean;
}

/** Plans keep 10% of the UB free by default (Liger-Kernel's ub_manager uses the same 0.9 safety factor). */
export const DEFAULT_UB_MARGIN = 0.9;

/** The limits of a device spec, with an optional safety margin. */
export function ubLimitsOf(spec: Pick<NpuSpec, 'ubBytes' | 'alignmentBytes'>, margin: number = DEFAULT_UB_MARGIN): UbLimits {
  return { capacityBytes: spec.ubBytes, alignmentBytes: spec.alignmentBytes, margin };
}

/** floor(capacity * margin): the most a plan lets its buffers take. */
export function ubBudgetBytes(limits: UbLimits): number {
  const margin = limits.margin ?? DEFAULT_UB_MARGIN;
  if (!(margin > 0 && margin <= 1)) throw new RangeError(`UB margin must be in (0, 1], got ${margin}`);
  return Math.floor(limits.capacityBytes * margin);
}

/** Bytes the UB allocator reserves for `elems` elements of `dtype`: rounded up to the alignment, times copies. */
export function ubBufferBytes(elems: number, dtype: NpuDType, copies: number, alignmentBytes: number): number {
  return Math.ceil((elems * dtypeBytes(dtype)) / alignmentBytes) * alignmentBytes * copies;
}

/** Size declared buffers exactly as the allocator will (streamed ones with `bufferNum` copies unless they say otherwise). */
export function planBuffers(decls: readonly UbBufferDecl[], alignmentBytes: number, bufferNum: BufferNum = 1): PlannedBuffer[] {
  return decls.map((d) => {
    const copies = d.copies ?? (d.streamed ? bufferNum : 1);
    return { name: d.name, elems: d.elems, dtype: d.dtype, copies, bytes: ubBufferBytes(d.elems, d.dtype, copies, alignmentBytes), purpose: d.purpose };
  });
}

export function sumBufferBytes(buffers: readonly PlannedBuffer[]): number {
  return buffers.reduce((s, b) => s + b.bytes, 0);
}

/** The tiling of one given block (fitting or not): what a kernel reports when it has no smaller choice. */
export function measureUbTiling(kernel: string, buffers: UbBufferLayout, block: number, limits: UbLimits, bufferNum: BufferNum = 1): UbTiling {
  const planned = planBuffers(buffers(block), limits.alignmentBytes, bufferNum);
  const ubBytes = sumBufferBytes(planned);
  const budgetBytes = ubBudgetBytes(limits);
  return {
    kernel, block, buffers: planned, ubBytes, budgetBytes, capacityBytes: limits.capacityBytes, fits: ubBytes <= budgetBytes,
    bufferNum, doubleBuffered: planned.some((b) => b.copies === 2),
  };
}

function checkBounds(request: UbTilingRequest): number {
  const min = request.minBlock ?? 1;
  if (!Number.isInteger(min) || min < 1) throw new RangeError(`UB tiling of '${request.kernel}': minBlock must be a positive integer, got ${min}`);
  if (!(request.maxBlock >= min)) throw new RangeError(`UB tiling of '${request.kernel}': maxBlock ${request.maxBlock} is below minBlock ${min}`);
  return min;
}

/**
 * The largest block in [minBlock, maxBlock] whose buffers fit the budget, or null when even minBlock does
 * not fit. Binary search: the layout's bytes must be non-decreasing in the block.
 */
export function findUbTiling(request: UbTilingRequest, limits: UbLimits): UbTiling | null {
  const min = checkBounds(request);
  const tries: readonly BufferNum[] = request.bufferNum ? [request.bufferNum] : [DEFAULT_BUFFER_NUM, 1];
  const budget = ubBudgetBytes(limits);
  for (const bufferNum of tries) {
    let lo = min;
    let hi = Math.floor(request.maxBlock);
    const bytesAt = (block: number): number => sumBufferBytes(planBuffers(request.buffers(block), limits.alignmentBytes, bufferNum));
    if (bytesAt(lo) > budget) continue;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (bytesAt(mid) <= budget) lo = mid;
      else hi = mid - 1;
    }
    return measureUbTiling(request.kernel, request.buffers, lo, limits, bufferNum);
  }
  return null;
}

/** As findUbTiling, but a kernel that cannot fit even its smallest block is a UbTilingOverflowError. */
export function planUbTiling(request: UbTilingRequest, limits: UbLimits): UbTiling {
  const tiling = findUbTiling(request, limits);
  if (tiling) return tiling;
  const smallest = measureUbTiling(request.kernel, request.buffers, request.minBlock ?? 1, limits, request.bufferNum ?? 1);
  throw new UbTilingOverflowError(request.kernel, smallest.block, smallest.buffers, smallest.ubBytes, smallest.budgetBytes, limits.capacityBytes);
}
