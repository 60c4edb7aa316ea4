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
        `  ${tritonUbOverflowLine(liveBytes + requested.bytes, capacityBytes)}\n` +
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
  override readonly name: string = 'NpuAccessError';
}

/** What the real toolchain says when buffers do not fit (Triton-Ascend's compile-time form), in bits. */
export function tritonUbOverflowLine(requiredBytes: number, availableBytes: number): string {
  return `ub overflow, requires ${requiredBytes * 8} bits while ${availableBytes * 8} bits available!`;
}

/**
 * A plain DataCopy (copyIn / copyOut) whose GM address, UB address or length is not a whole number of
 * 32-byte blocks. AscendC's DataCopy moves whole blocks only; a tail goes through DataCopyPad.
 */
export class DmaAlignmentError extends NpuAccessError {
  override readonly name: string = 'DmaAlignmentError';
  constructor(
    readonly kernel: string,
    readonly op: string,
    /** 'GM address' | 'UB address' | 'length' */
    readonly what: string,
    readonly buffer: string,
    readonly actualBytes: number,
    readonly alignmentBytes: number,
    fix: string,
  ) {
    super(
      `${op} in kernel '${kernel}': ${what} of '${buffer}' is ${actualBytes} bytes, expected a multiple of ` +
        `${alignmentBytes} (DataCopy moves whole ${alignmentBytes}-byte blocks). ${fix}`,
    );
  }
}

/**
 * Two cores wrote the same GM data in one launch (poison mode): the last writer wins at random on the
 * hardware. The classic source is a DataCopy tail rounded up to a 32-byte block that lands on the
 * neighbouring core's elements.
 */
export class GmWriteRaceError extends NpuAccessError {
  override readonly name: string = 'GmWriteRaceError';
  constructor(
    readonly kernel: string,
    readonly buffer: string,
    readonly element: number,
    readonly block: number,
    readonly firstCore: number,
    readonly secondCore: number,
    readonly op: string,
    /** 'element': both wrote it; 'block': they wrote different elements of one block (exclusiveBlocks mode). */
    readonly shared: 'element' | 'block' = 'element',
  ) {
    super(
      shared === 'element'
        ? `kernel '${kernel}': cores ${firstCore} and ${secondCore} both write element ${element} of GM '${buffer}' ` +
          `(32-byte block ${block}) in one launch (second write: ${op}). Cores must write disjoint data: move a tail ` +
          `with copyOutPad (DataCopyPad writes exactly n elements) instead of rounding a DataCopy up to whole blocks.`
        : `kernel '${kernel}': cores ${firstCore} and ${secondCore} both write 32-byte block ${block} of GM '${buffer}' ` +
          `in one launch (core ${secondCore} from element ${element}: ${op}). With exclusive blocks, split the work ` +
          `between cores on 32-byte boundaries, or let one core write the shared block.`,
    );
  }
}

/**
 * One core wrote the same GM element twice in one launch (poison mode): a DataCopy tail rounded up to a
 * whole block overwrote data the kernel writes elsewhere (its neighbour's row, column block or channel).
 */
export class GmOverwriteError extends NpuAccessError {
  override readonly name: string = 'GmOverwriteError';
  constructor(
    readonly kernel: string,
    readonly buffer: string,
    readonly element: number,
    readonly core: number,
    readonly op: string,
  ) {
    super(
      `kernel '${kernel}': core ${core} writes element ${element} of GM '${buffer}' a second time in one launch ` +
        `(${op}); a write rounded up to whole 32-byte blocks lands on a neighbour's data. Write each element once: ` +
        `move the tail with copyOutPad (DataCopyPad) instead.`,
    );
  }
}

/** A vector instruction whose operand does not start on a 32-byte boundary of the UB (or a repeat/stride the unit cannot encode). */
export class VectorAlignmentError extends NpuAccessError {
  override readonly name: string = 'VectorAlignmentError';
}

/** A reduction ran without a sharedTmpBuffer large enough, allocated in (and so counted by) the UB. */
export class ReduceTmpBufferError extends NpuAccessError {
  override readonly name: string = 'ReduceTmpBufferError';
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
        `  ${tritonUbOverflowLine(requiredBytes, availableBytes)}\n` +
        `  buffers at block ${block}:\n${lines || '    (none)'}\n` +
        `  Shrink the buffers that do not depend on the block (fewer channels per tile, single instead of double ` +
        `buffering), raise the margin, or use a device with a larger UB.`,
    );
  }
}
