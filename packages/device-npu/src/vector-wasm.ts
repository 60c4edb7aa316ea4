/**
 * The vector unit's hottest instructions compiled to WebAssembly (wasm/vector.wat): the exponentials store
 * exactly the float32 values of the JavaScript loops (Math.fround(Math.exp(x - shift))) at a fraction of the
 * cost of a Math.exp call per element; scale, softmaxGrad and reduceMax give the loops' exact results two or
 * four elements a step. All run on the UB arena in place. One instance per arena memory; null where the
 * engine has no WebAssembly SIMD or the arena is a plain ArrayBuffer, and the JavaScript loops run.
 */
import { lazyWasmModule, wasmApi } from '@mta/core';
import { VECTOR_WASM_BASE64, VECTOR_WASM_SHARED_BASE64 } from './wasm/vector.generated.js';
import { VECTOR_TABLE_BYTES, WASM_SCRATCH_BYTES, type WasmArena } from './wasm-arena.js';

/** Byte addresses in the arena's memory (the arena starts at its `base`); n elements. */
export interface VectorWasm {
  expShift(at: number, n: number, shift: number): void;
  expShiftSum(at: number, n: number, shift: number): number;
  expShiftScale(at: number, n: number, shift: number, mul: number): void;
  scale(at: number, n: number, alpha: number): void;
  softmaxGrad(g: number, p: number, n: number, dot: number): void;
  /** The largest element, or NaN: then the JavaScript loop gives the exact answer (a NaN, or a signed zero). */
  reduceMax(at: number, n: number): number;
  /** memmove of `bytes` bytes. */
  move(dst: number, src: number, bytes: number): void;
  /** n 32-bit words of `bits` from `at` (Float32Array.fill's stores). */
  fill32(at: number, n: number, bits: number): void;
  /** n 16-bit halves of `bits` from `at`. */
  fill16(at: number, n: number, bits: number): void;
}


const compiled = lazyWasmModule(VECTOR_WASM_BASE64);
// The same module importing a shared memory (arenas in the simulator's shared memory, wasm-arena.ts).
const compiledShared = lazyWasmModule(VECTOR_WASM_SHARED_BASE64);
let enabled = true;
// Per arena, not per memory: arenas of one shared memory each have their own table after their own scratch.
const instances = new WeakMap<WasmArena, VectorWasm>();

/** The instance on this arena, or null (no wasm arena, no WebAssembly SIMD). */
export function vectorWasm(arena: WasmArena | null): VectorWasm | null {
  if (arena === null) return null;
  let w = instances.get(arena);
  if (w === undefined) {
    const m = arena.shared ? compiledShared() : compiled();
    if (m === null || wasmApi === undefined) return null;
    // The exponential's table 2^(j / 128), j < 128, after the extensions' scratch (see wasm-arena.ts).
    const tab = arena.scratchByteOffset + WASM_SCRATCH_BYTES;
    const table = new Float64Array(arena.memory.buffer, tab, VECTOR_TABLE_BYTES / 8);
    for (let j = 0; j < 128; j++) table[j] = 2 ** (j / 128);
    const exports = new wasmApi.Instance(m, { env: { memory: arena.memory, exp: Math.exp } }).exports as unknown as VectorWasm & { setTable(at: number): void };
    exports.setTable(tab);
    w = exports;
    instances.set(arena, w);
  }
  return w;
}

/** Whether the vector unit uses its wasm loops (default true). */
export function vectorWasmEnabled(): boolean {
  return enabled;
}

/**
 * Turn the wasm loops of the vector unit off (the JavaScript loops run) or back on; returns the previous
 * setting. For tests that compare the two, and for measuring what the wasm loops save.
 */
export function setVectorWasm(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}
