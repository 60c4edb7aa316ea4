/**
 * The k = 3 tap instructions compiled to WebAssembly (wasm/taps.wat): SIMD loops that compute exactly what
 * vector-taps.ts's JavaScript loops compute (the taps in f32x4, the sums in f64x2), several times as fast.
 * Relaxed SIMD's FMA, where the engine has it, serves only the float64 sums, where it gives the same bits. They run on the UB arena in place, through the vector unit's `wasm` extension point (the arena's memory and a scratch after the UB for
 * weights and sums). One instance per arena memory; null where the engine has no WebAssembly SIMD, and the
 * JavaScript loops run instead.
 */
import type { VectorUnit, WasmArena } from '@mta/device-npu';
import { lazyWasmModule, wasmApi } from '@mta/core';
import { NPU_TAPS_BASE64, NPU_TAPS_RELAXED_BASE64, NPU_TAPS_RELAXED_SHARED_BASE64, NPU_TAPS_SHARED_BASE64 } from './wasm/taps.generated.js';

/** The module's exports. Addresses are bytes; `scr` is the scratch (float64 weights at 0, sums at 128). */
interface TapExports {
  fwd3x4(d: number, ds: number, s: number, step: number, n: number, scr: number): void;
  fwd3x2(d: number, ds: number, s: number, step: number, n: number, scr: number): void;
  fwd3x1(d: number, ds: number, s: number, step: number, n: number, scr: number): void;
  bwd3x2(d: number, ds: number, s: number, step: number, n: number, x: number, xs: number, scr: number): void;
}

/**
 * An instance on one arena: its exports, where the arena starts in the memory (`base`: arena index i is byte
 * base + 4 i), the scratch's byte offset and a float64 view of it.
 */
export interface WasmTaps {
  readonly k: TapExports;
  readonly base: number;
  readonly scr: number;
  readonly f64: Float64Array;
}

/** Float64 index of the sums in the scratch (byte 128). */
export const SUMS_AT = 16;


// Relaxed SIMD's fused multiply-add for the float64 sums where the engine validates it (Node >= 22; not Node 20
// without --experimental-wasm-relaxed-simd), else mul + add: the same bits either way (taps.wat says why). The
// float32 taps are never fused.
const relaxed = lazyWasmModule(NPU_TAPS_RELAXED_BASE64);
const fallback = lazyWasmModule(NPU_TAPS_BASE64);
// The same two importing a shared memory, for arenas in the simulator's shared memory (its core threads).
const relaxedShared = lazyWasmModule(NPU_TAPS_RELAXED_SHARED_BASE64);
const fallbackShared = lazyWasmModule(NPU_TAPS_SHARED_BASE64);
const compiled = (shared: boolean): ReturnType<typeof fallback> => (shared ? relaxedShared() ?? fallbackShared() : relaxed() ?? fallback());
let enabled = true;
// Per arena, not per memory: arenas of one shared memory each have their own scratch.
const instances = new WeakMap<WasmArena, WasmTaps>();

/** The wasm taps on v's arena, or null (no WebAssembly SIMD, no wasm arena, or turned off). */
export function wasmTaps(v: VectorUnit): WasmTaps | null {
  const arena = v.wasm;
  if (!enabled || arena === null) return null;
  let taps = instances.get(arena);
  if (taps === undefined) {
    const m = compiled(arena.shared);
    if (m === null || wasmApi === undefined) return null;
    const instance = new wasmApi.Instance(m, { env: { memory: arena.memory } });
    taps = { k: instance.exports as unknown as TapExports, base: arena.base, scr: arena.scratchByteOffset, f64: new Float64Array(arena.memory.buffer, arena.scratchByteOffset, 32) };
    instances.set(arena, taps);
  }
  return taps;
}

/**
 * Turn the wasm taps off (the JavaScript loops run) or back on; returns the previous setting. For tests that
 * compare the two, and for measuring what the wasm loops save.
 */
export function setWasmTaps(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}
