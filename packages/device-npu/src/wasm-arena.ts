/**
 * The UB arena in a WebAssembly memory, so an op family can compile its fused instructions (a convolution's
 * taps) to wasm and run them on the arena in place. The memory holds the arena from byte `base`, then a scratch
 * area the arena views never reach: extension ops pass their arguments and results there, outside the UB; after
 * it, tables of the vector unit's own wasm loops.
 *
 * Two kinds: a private memory of its own (base 0), or a region of the simulator's shared memory (`npuArena`)
 * that also holds GM when the simulator runs cores on threads. In the shared one a DMA copy is one wasm
 * `memory.copy` between GM and the UB; V8 copies a SharedArrayBuffer with TypedArray.set on a slow path
 * (about twice the time of a plain copy, and three to four times that of memory.copy).
 * Without WebAssembly (or on a failure to allocate) the arena is a plain ArrayBuffer and extensions run
 * their JavaScript loops.
 */

/** Bytes after the arena that wasm extension ops may use freely for arguments and results. */
export const WASM_SCRATCH_BYTES = 4096;
/** Bytes after that scratch that belong to the vector unit's own wasm (its exponential's table): no extension's. */
export const VECTOR_TABLE_BYTES = 1024;

/** What an extension needs of the memory: to instantiate its module against it. */
export interface WasmArenaMemory {
  readonly buffer: ArrayBufferLike;
}

/**
 * The arena's wasm memory, where the arena starts in it (`base`: UB arena index i of a float32 buffer is byte
 * base + 4 i) and where its scratch starts (bytes, a multiple of 8; absolute addresses in the memory).
 * `shared`: the memory is a shared WebAssembly.Memory (instantiate the shared variant of a module on it).
 */
export interface WasmArena {
  readonly memory: WasmArenaMemory;
  readonly base: number;
  readonly scratchByteOffset: number;
  readonly shared: boolean;
}

/** A region of a shared WebAssembly.Memory for one UB arena: the memory and the region's first byte. */
export interface ArenaPlace {
  readonly memory: WasmArenaMemory;
  readonly base: number;
}

/** Bytes of the region an arena of `capacityBytes` takes in a shared memory: the arena, its scratch and tables. */
export function arenaRegionBytes(capacityBytes: number): number {
  return Math.ceil(capacityBytes / 8) * 8 + WASM_SCRATCH_BYTES + VECTOR_TABLE_BYTES;
}

interface WasmMemoryApi {
  readonly Memory: new (descriptor: { initial: number; maximum: number }) => WasmArenaMemory;
}
const wasm = (globalThis as { WebAssembly?: WasmMemoryApi }).WebAssembly;

const PAGE = 65536;

/**
 * An arena of `capacityBytes` (plus scratch, in a wasm memory when the engine has one): at `place` (a region
 * of arenaRegionBytes(capacityBytes) bytes of a shared memory, 64-byte aligned) when given, else in a memory
 * of its own. `base` is where the arena starts in `buffer`.
 */
export function allocateArena(capacityBytes: number, place: ArenaPlace | null = null): { buffer: ArrayBufferLike; base: number; wasm: WasmArena | null } {
  const scratchByteOffset = Math.ceil(capacityBytes / 8) * 8;
  if (place !== null) {
    const { memory, base } = place;
    return { buffer: memory.buffer, base, wasm: { memory, base, scratchByteOffset: base + scratchByteOffset, shared: true } };
  }
  if (wasm !== undefined) {
    const pages = Math.max(1, Math.ceil((scratchByteOffset + WASM_SCRATCH_BYTES + VECTOR_TABLE_BYTES) / PAGE));
    try {
      // Never grown: the arena's typed-array views stay valid for the life of the UB.
      const memory = new wasm.Memory({ initial: pages, maximum: pages });
      return { buffer: memory.buffer, base: 0, wasm: { memory, base: 0, scratchByteOffset, shared: false } };
    } catch {
      // No room for a wasm memory of this size: the plain arena works the same, only without wasm extensions.
    }
  }
  return { buffer: new ArrayBuffer(capacityBytes), base: 0, wasm: null };
}
