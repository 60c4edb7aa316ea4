/**
 * The UB arena in a WebAssembly memory, so an op family can compile its fused instructions (a convolution's
 * taps) to wasm and run them on the arena in place. The memory holds the arena from byte 0, then a scratch
 * area the arena views never reach: extension ops pass their arguments and results there, outside the UB; after
 * it, tables of the vector unit's own wasm loops.
 * Without WebAssembly (or on a failure to allocate) the arena is a plain ArrayBuffer and extensions run
 * their JavaScript loops.
 */

/** Bytes after the arena that wasm extension ops may use freely for arguments and results. */
export const WASM_SCRATCH_BYTES = 4096;
/** Bytes after that scratch that belong to the vector unit's own wasm (its exponential's table): no extension's. */
export const VECTOR_TABLE_BYTES = 1024;

/** What an extension needs of the memory: to instantiate its module against it. */
export interface WasmArenaMemory {
  readonly buffer: ArrayBuffer;
}

/** The arena's wasm memory and where its scratch starts (bytes, a multiple of 8). */
export interface WasmArena {
  readonly memory: WasmArenaMemory;
  readonly scratchByteOffset: number;
}

interface WasmMemoryApi {
  readonly Memory: new (descriptor: { initial: number; maximum: number }) => WasmArenaMemory;
}
const wasm = (globalThis as { WebAssembly?: WasmMemoryApi }).WebAssembly;

const PAGE = 65536;

/** An arena of `capacityBytes` (plus scratch, in a wasm memory when the engine has one). */
export function allocateArena(capacityBytes: number): { buffer: ArrayBuffer; wasm: WasmArena | null } {
  const scratchByteOffset = Math.ceil(capacityBytes / 8) * 8;
  if (wasm !== undefined) {
    const pages = Math.max(1, Math.ceil((scratchByteOffset + WASM_SCRATCH_BYTES + VECTOR_TABLE_BYTES) / PAGE));
    try {
      // Never grown: the arena's typed-array views stay valid for the life of the UB.
      const memory = new wasm.Memory({ initial: pages, maximum: pages });
      return { buffer: memory.buffer, wasm: { memory, scratchByteOffset } };
    } catch {
      // No room for a wasm memory of this size: the plain arena works the same, only without wasm extensions.
    }
  }
  return { buffer: new ArrayBuffer(capacityBytes), wasm: null };
}
