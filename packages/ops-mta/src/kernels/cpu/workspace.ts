import { cpuArena } from '@mta/device-cpu';
import { allocateMtaArray, type MtaDType } from './arrays.js';
import type { MtaCpuPlan } from './plan.js';
import type { MtaCpuPool } from './pool.js';
import { F32ScratchBlocks } from './scratch-block.js';
import type { MtaArray } from './types.js';

export interface MtaCpuWorkspaceOptions {
  /** Worker pool for large calls; without one every call runs on the calling thread. */
  readonly pool?: MtaCpuPool | null;
  /**
   * Calls whose forward convolution has fewer multiply-adds over the causal triangle than this stay on
   * the calling thread (posting a job costs ~0.1 ms). 0 sends every call to the pool (tests do this).
   */
  readonly minParallelMacs?: number;
}

/**
 * Buffers reused across calls: shared staging copies for inputs/outputs that are not in a
 * SharedArrayBuffer (only when a pool is used; in the cpu arena when it has room, so the float32 loops then
 * work on them in place), the float64 parameter block, the per-item gradient sums and the float32 loops'
 * per-thread scratch. Outputs handed back to the caller are never workspace buffers, so results of one
 * call survive the next. Not for concurrent use by two calls at once.
 */
export class MtaCpuWorkspace {
  readonly pool: MtaCpuPool | null;
  readonly minParallelMacs: number;
  readonly scratchBlocks = new F32ScratchBlocks();
  private readonly buffers = new Map<string, MtaArray>();

  constructor(options: MtaCpuWorkspaceOptions = {}) {
    this.pool = options.pool ?? null;
    this.minParallelMacs = options.minParallelMacs ?? 4_000_000;
  }

  /** Whether a call with this plan goes to the pool. */
  parallelFor(plan: MtaCpuPlan): boolean {
    return this.pool !== null && this.pool.threads > 1 && plan.forwardMacs >= this.minParallelMacs;
  }

  /** A reusable shared array for `role`, length elements of dtype; contents are whatever was left. */
  buffer(role: string, dtype: 'float64', length: number): Float64Array;
  buffer(role: string, dtype: MtaDType, length: number): MtaArray;
  buffer(role: string, dtype: MtaDType, length: number): MtaArray {
    const key = `${role}:${dtype}`;
    let array = this.buffers.get(key);
    if (array === undefined || array.length < length) {
      if (array !== undefined && cpuArena.owns(array)) cpuArena.give(array);
      array = arenaArray(dtype, length) ?? allocateMtaArray(dtype, length, { shared: true });
      this.buffers.set(key, array);
    }
    return array.length === length ? array : array.subarray(0, length);
  }
}

/** A `length`-element array in the cpu arena, or undefined where it has no room. */
function arenaArray(dtype: MtaDType, length: number): MtaArray | undefined {
  const bytes = length * (dtype === 'float32' ? 4 : 8);
  const range = cpuArena.take(bytes);
  if (range === undefined) return undefined;
  return dtype === 'float32' ? new Float32Array(range.buffer, range.byteOffset, length) : new Float64Array(range.buffer, range.byteOffset, length);
}
