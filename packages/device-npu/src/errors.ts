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
        `  Use a smaller tile (re-plan with planMta for this UB size) or a device with a larger UB.`,
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

/** The planner could not find any tiling that fits the UB. */
export class PlanError extends Error {
  override readonly name = 'PlanError';
}
