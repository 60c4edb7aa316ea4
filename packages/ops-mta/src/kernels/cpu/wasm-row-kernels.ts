import { lazyWasmModule, wasmApi } from '@mta/core';
import { ROWS_F64_BASE64 } from './wasm/rows-f64.generated.js';

/**
 * WebAssembly SIMD (f64x2) versions of the hot row loops: convRows3x3, convRow3, gradRow3
 * (conv-rows.ts), pairwiseDot and the softmax VJP (activation-rows.ts), softmaxInPlace (softmax-exp.ts),
 * written in wasm/rows-f64.wat and assembled by wabt (tools/wasm/build.ts). Arguments are byte addresses
 * in the instance's memory; n is the row length. Each output element is computed with exactly the
 * operations, in exactly the order, of the JavaScript version (two lanes at a time, the odd tail on its
 * own), so results are bit-identical to the JavaScript fallback; only gradRow3's weight-gradient sums are
 * reassociated (even/odd lanes).
 */
export interface SimdRowKernels {
  /** acc[j] += 3x3 taps over rows x0, x1, x2 (see convRows3x3). */
  conv3x3(acc: number, x0: number, x1: number, x2: number, w: number, n: number): void;
  /** acc[j] += 3 taps over row x (see convRow3). */
  conv3(acc: number, x: number, w: number, n: number): void;
  /** dp[c] += taps over g; dW[0..2] += sums of x[c] * g (see gradRow3). */
  grad3(dp: number, g: number, x: number, w: number, dW: number, n: number): void;
  /** sum a[c] * b[c]: even and odd lanes, then the odd tail (see pairwiseDot). */
  dot(a: number, b: number, n: number): number;
  /** In-place softmax of n float64 at row (see softmaxInPlace). */
  softmax(row: number, n: number): void;
  /** g[c] = p[c] * (g[c] - dot(p, g)) in place: the softmax VJP (see softmaxVjpRow, pairwiseDot). */
  softmaxVjp(p: number, g: number, n: number): void;
}

/**
 * The slice of the WebAssembly JS API used here. The workspace compiles against lib ES2022 + node
 * types, neither of which declares the WebAssembly global, so it is typed locally.
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
/** The compiled module, or null where WebAssembly SIMD is unavailable (the JavaScript loops are used). */
export const simdRowKernelModule = lazyWasmModule(ROWS_F64_BASE64);

/** An instance over a fresh memory of at least `bytes` bytes, or null without SIMD support. */
export function instantiateSimdRowKernels(bytes: number): { kernels: SimdRowKernels; memory: WasmMemory } | null {
  const module = simdRowKernelModule();
  if (module === null || wasmApi === undefined) return null;
  const memory = new wasmApi.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const instance = new wasmApi.Instance(module, { env: { memory } });
  return { kernels: instance.exports as unknown as SimdRowKernels, memory };
}
