import { cpuArena } from '@mta/device-cpu';
import type { F32ScratchBlock } from './scratch-f32.js';

/**
 * The calling thread's share of the cpu arena for the float32 loops' scratch: one range holding a slice per
 * pool thread, kept across calls (a workspace owns one; calls without a workspace share a default) and
 * replaced only when a call needs more. Worker threads cannot allocate from the arena (its allocator lives
 * on the calling thread), so their slices are carved here and posted with the job.
 */
export class F32ScratchBlocks {
  #range: Uint8Array | null = null;

  /** A block of `threads` slices of `bytes` each, or null where the arena has no room or does not exist. */
  block(bytes: number, threads: number): F32ScratchBlock | null {
    const stride = (bytes + 63) & ~63;
    const need = stride * threads;
    if (this.#range === null || this.#range.byteLength < need) {
      if (this.#range !== null) cpuArena.give(this.#range);
      this.#range = cpuArena.take(need) ?? null;
    }
    return this.#range === null ? null : { base: this.#range.byteOffset, stride };
  }
}

/** For calls made without a workspace (on the calling thread). */
export const defaultScratchBlocks = new F32ScratchBlocks();
