import type { NpuCoreResult } from '@mta/device-npu';
import type { WakeWords } from '../pool-workers.js';

/** Control words of the npu thread pool (an Int32Array over a SharedArrayBuffer). */
/** The next core to claim (Atomics.add). */
export const NEXT = 0;
/** Cores of the current launch. */
export const CORES = 1;
/** Workers that have replied for the current launch. */
export const DONE = 2;
/** Launches reach idle workers through these two words (pool-workers.ts). */
export const NPU_WAKE_WORDS: WakeWords = { generation: 3, closed: 4 };
export const CONTROL_INTS = 5;
/** What NEXT is set to when a thread failed: no core is claimed after it. */
export const STOPPED = 0x3fffffff;

/** A worker's reply to one launch: the cores it ran, or the error that stopped it. */
export interface NpuWorkerReply {
  readonly results: readonly NpuCoreResult[];
  readonly error: string | null;
}

/**
 * The core the k-th claim of a launch of `cores` cores runs, or -1 when none is left. Last core first: the band
 * kernels' later cores own later row ranges, whose causal rows are longer, so claiming the longest first leaves
 * the short ones to even out the threads' finish (the tail the calling thread waits for). The results do not
 * depend on it: they are merged in core order.
 */
export function claimedCore(k: number, cores: number): number {
  return k < cores ? cores - 1 - k : -1;
}
