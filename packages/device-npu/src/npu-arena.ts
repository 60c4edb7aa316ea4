/**
 * The npu simulator's shared WebAssembly memory. When the simulator runs cores on threads (a core pool), GM
 * buffers and every thread's UB arena are ranges of this one memory, so a DMA copy between them is one wasm
 * `memory.copy` (dma.ts): V8 copies SharedArrayBuffers with TypedArray.set on a slow path (relaxed word moves,
 * about twice a plain copy), which made the copies a quarter of each thread's time. One memory per process
 * (created on first use), so the worker threads receive it once per launch with the job and address it the
 * same way. Where shared wasm memory is unavailable (browsers that are not cross-origin isolated) every
 * `take` is undefined and the simulator keeps plain SharedArrayBuffers and private UB memories.
 */
import { WasmArena } from '@mta/core';
import { type ArenaPlace, arenaRegionBytes } from './wasm-arena.js';

export const npuArena = new WasmArena();

/**
 * A region of the arena for one UB arena of `capacityBytes`, given back when the returned place is garbage
 * collected (whoever holds the UB holds the place); null where the arena has no room or no memory.
 */
export function takeUbPlace(capacityBytes: number): ArenaPlace | null {
  const memory = npuArena.memory;
  const range = memory === null ? undefined : npuArena.take(arenaRegionBytes(capacityBytes));
  if (memory === null || range === undefined) return null;
  const place: ArenaPlace = { memory, base: range.byteOffset };
  // The range's own view is kept alive by the place; the range returns when both are unreachable.
  placeRanges.set(place, range);
  npuArena.giveWhenCollected(range);
  return place;
}

const placeRanges = new WeakMap<ArenaPlace, Uint8Array>();
