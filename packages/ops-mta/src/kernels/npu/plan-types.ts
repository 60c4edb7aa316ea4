/** The shape of an npu MTA plan: which kernels run, with which loop bounds and which UB buffers. */
import type { NpuDType, PlannedBuffer } from '@mta/device-npu';
import type { NpuMtaConfig, NpuMtaShape } from './geometry.js';

export type NpuMtaPlannerName = 'default' | 'liger-pr1122';

/** Band kernels: units of (batch, group, row range); each walks every column block of its rows. */
export interface BandTiling {
  readonly kind: 'band';
  /** Column block width and count; the last block is the tail [ (colBlocks-1)*colBlock, L ). */
  readonly colBlock: number;
  readonly colBlocks: number;
  /** Rows per unit and units per (batch, group) map; the last range is the tail. */
  readonly rowsPerUnit: number;
  readonly rowRanges: number;
  /** B * groups * rowRanges; unit u runs on core u mod cores. */
  readonly units: number;
  /** single: whole rows, activation inline. stats/apply: the two passes of a long-row backward. multi: long rows, statistics from GM. */
  readonly pass: 'single' | 'stats' | 'apply' | 'multi';
  /** Row slots in the ring: (kH-1)*dh + 1 rows in use, plus one when the next row's DMA is prefetched. */
  readonly ringSlots: number;
}

/** Row kernels: rows in chunks, grid-strided over cores; each row in blocks of `rowBlock` columns. */
export interface RowTiling {
  readonly kind: 'row';
  readonly rowBlock: number;
  readonly rowChunk: number;
  readonly rows: number;
  readonly chunks: number;
  /** true when the kernel also writes the activated row (pre-mode long rows). */
  readonly writesRows: boolean;
}

export interface ReduceTiling {
  readonly kind: 'reduce';
  readonly chunk: number;
  readonly chunks: number;
  /** Elements of a partial row: Cout * Cin/groups * kH * kW weight gradient, padding to a 32-byte block, Cout bias gradient. */
  readonly elems: number;
  /** Partial rows (one per core of the producing kernel). */
  readonly partials: number;
}

/** PR #1122's row kernels: one program per core, grid-striding over rows, columns in blocks of `block`. */
export interface PrRowTiling {
  readonly kind: 'pr-row';
  readonly block: number;
  readonly rows: number;
  /** Forward: as measured, only the column blocks that start at or before the diagonal are written. */
  readonly writesOnlyBlocksBeforeDiagonal: boolean;
}

/** PR #1122's 2-D mask kernels: a grid of tile x tile programs. */
export interface PrTileTiling {
  readonly kind: 'pr-tile';
  readonly tile: number;
  readonly grid: readonly [number, number, number];
}

export interface ExternalTiling {
  readonly kind: 'external';
  readonly what: string;
}

export type Tiling = BandTiling | RowTiling | ReduceTiling | PrRowTiling | PrTileTiling | ExternalTiling;

export interface NpuKernelPlan {
  readonly name: string;
  readonly direction: 'forward' | 'backward';
  readonly description: string;
  readonly cores: number;
  readonly tiling: Tiling;
  readonly buffers: readonly PlannedBuffer[];
  /** Sum of `buffers` bytes (null for kernels the plan does not place in the UB, e.g. torch's conv). */
  readonly ubBytes: number | null;
  /** The most the plan allows itself: capacity * margin (default planner) or the capacity (PR preset). */
  readonly budgetBytes: number;
  readonly capacityBytes: number;
  readonly fits: boolean;
  /**
   * BUFFER_NUM = 2: the next DMA overlaps compute (a band kernel's prefetch ring slot, a row kernel's
   * double-buffered block). The simulator's time estimate overlaps DMA and compute only for these.
   */
  readonly doubleBuffered: boolean;
  /** PR preset only: the bytes PR #1122's own formula believes the kernel uses. */
  readonly prEstimateBytes?: number;
  readonly notes: readonly string[];
}

export interface NpuMtaPlan {
  readonly planner: NpuMtaPlannerName;
  readonly shape: NpuMtaShape;
  readonly config: NpuMtaConfig;
  readonly dtype: NpuDType;
  readonly bias: boolean;
  readonly ubBytes: number;
  readonly margin: number;
  readonly budgetBytes: number;
  readonly vectorCores: number;
  readonly forward: readonly NpuKernelPlan[];
  readonly backward: readonly NpuKernelPlan[];
  /** Every kernel fits its UB. */
  readonly fits: boolean;
  readonly notes: readonly string[];
}
