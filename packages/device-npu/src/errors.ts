/** Errors the simulator raises. Each names the kernel and says what to do. */
import { formatBytes } from './spec.js';

export interface UbBufferBytes {
  readonly name: string;
  readonly bytes: number;
}

/** A kernel asked the UB allocator for more than the Unified Buffer holds. */
export class UbOverflowError extends Error {
  override readonly name = 'UbOverflowError';
  constructor(
    readonly kernel: string,
    readonly tile: string,
    readonly capacityBytes: number,
    readonly requested: UbBufferBytes,
    readonly live: readonly UbBufferBytes[],
  ) {
    const liveBytes = live.reduce((s, b) => s + b.bytes, 0);
    const lines = live.map((b) => `    ${b.name}: ${b.bytes.toLocaleString('en-US')} B`).join('\n');
    super(
      `UB overflow in kernel '${kernel}' (tile ${tile}): allocating '${requested.name}' ` +
        `(${requested.bytes.toLocaleString('en-US')} B) on top of ${liveBytes.toLocaleString('en-US')} B live ` +
        `needs ${(liveBytes + requested.bytes).toLocaleString('en-US')} B, but the UB holds ` +
        `${capacityBytes.toLocaleString('en-US')} B (${formatBytes(capacityBytes)}).\n` +
        `  live buffers:\n${lines || '    (none)'}\n` +
        `  Use a smaller tile (re-plan the kernel's buffers for this UB size with planUbTiling) or a device with a larger UB.`,
    );
  }
}

/** After a kernel, an element of one of its declared outputs was never written (poison mode). */
export class UnwrittenOutputError extends Error {
  override readonly name = 'UnwrittenOutputError';
  constructor(
    readonly kernel: string,
    readonly buffer: string,
    readonly firstIndex: number,
    readonly unwrittenCount: number,
    readonly totalElements: number,
    readonly firstCoords: readonly number[] | null,
  ) {
    const at = firstCoords ? ` (coordinates [${firstCoords.join(', ')}])` : '';
    super(
      `kernel '${kernel}' left ${unwrittenCount.toLocaleString('en-US')} of ${totalElements.toLocaleString('en-US')} ` +
        `elements of output '${buffer}' unwritten; the first is flat index ${firstIndex}${at}. ` +
        `Its loop bounds do not cover the output: check the tail of every row and column block.`,
    );
  }
}

/** A kernel read GM elements no one has written yet (poison mode): it would consume garbage. */
export class UninitializedReadError extends Error {
  override readonly name = 'UninitializedReadError';
  constructor(
    readonly kernel: string,
    readonly buffer: string,
    readonly firstIndex: number,
  ) {
    super(
      `kernel '${kernel}' read element ${firstIndex} of '${buffer}' before anything wrote it; ` +
        `a producer kernel's loop bounds do not cover what this kernel reads.`,
    );
  }
}

/** Out-of-bounds DMA, GM access from host code while a kernel runs, dtype mismatches, misuse of UB buffers. */
export class NpuAccessError extends Error {
  override readonly name = 'NpuAccessError';
}

/** The planner could not find any tiling that fits the UB, or a plan does not match the call it is used for. */
export class PlanError extends Error {
  override readonly name: string = 'PlanError';
}

/** A kernel's declared UB buffers do not fit under the budget even at its smallest block (see ub-tiling.ts). */
export class UbTilingOverflowError extends PlanError {
  override readonly name: string = 'UbTilingOverflowError';
  constructor(
    readonly kernel: string,
    readonly block: number,
    readonly buffers: readonly UbBufferBytes[],
    readonly requiredBytes: number,
    readonly availableBytes: number,
    readonly capacityBytes: number,
  ) {
    const lines = buffers.map((b) => `    ${b.name}: ${b.bytes.toLocaleString('en-US')} B`).join('\n');
    super(
      `kernel '${kernel}' does not fit the UB even at its smallest block (${block}): its buffers need ` +
        `${requiredBytes.toLocaleString('en-US')} B, but only ${availableBytes.toLocaleString('en-US')} B are available ` +
        `(UB ${capacityBytes.toLocaleString('en-US')} B, ${formatBytes(capacityBytes)}, less the safety margin).\n` +
        `  buffers at block ${block}:\n${lines || '    (none)'}\n` +
        `  Shrink the buffers that do not depend on the block (fewer channels per tile, single instead of double ` +
        `buffering), raise the margin, or use a device with a larger UB.`,
    );
  }
}
