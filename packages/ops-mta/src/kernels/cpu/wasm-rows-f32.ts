import { ROWS_F32_FALLBACK_BASE64, ROWS_F32_RELAXED_BASE64 } from './wasm/rows-f32.generated.js';

/**
 * The float32 (f32x4) row loops of wasm/rows-f32.wat, assembled by wabt at build time
 * (tools/wasm/build.ts). The relaxed-SIMD module (FMA) is used where the engine validates it, else the
 * mul + add one. Arguments are byte addresses in the instance's memory, n the row length. Element-wise
 * loops write whole quads (lanes past n are garbage that callers never read); reductions end in float64.
 */
export interface F32RowKernels {
  /** acc[j] += 3x3 taps over rows x0, x1, x2 (weights w[0..8]). */
  conv3x3(acc: number, x0: number, x1: number, x2: number, w: number, n: number): void;
  /** conv3x3 for `count` input channels: 3 row addresses per channel in the i32 table, 9 weights each from w. */
  conv3x3Multi(acc: number, table: number, w: number, n: number, count: number): void;
  /** acc[j] += 3 taps over row x. */
  conv3(acc: number, x: number, w: number, n: number): void;
  /** dp[c] += w0 g[c+2] + w1 g[c+1] + w2 g[c]; float64 dW[k] += sum_c x[c] g[c+2-k]. */
  grad3(dp: number, g: number, x: number, w: number, dW: number, n: number): void;
  /** grad3 for `count` (g, w, dW) address triples in the i32 table, all with the same dp and x. */
  grad3Multi(dp: number, x: number, table: number, n: number, count: number): void;
  /** sum_c a[c] * b[c] in float64; b = 0 sums a alone. */
  dot(a: number, b: number, n: number): number;
  /** g = p * (g - dot(p, g)) in place: the softmax VJP. */
  softmaxVjp(p: number, g: number, n: number): void;
  /** In-place softmax of n floats. */
  softmax(row: number, n: number): void;
}

export type F32FmaKind = 'relaxed-simd FMA' | 'mul+add';

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule {
  readonly wasmModuleBrand?: never;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
  readonly Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

function decode(base64: string): Uint8Array {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let k = 0; k < text.length; k++) bytes[k] = text.charCodeAt(k);
  return bytes;
}

let compiled: { module: WasmModule; fma: F32FmaKind } | null | undefined;

/** The compiled module (FMA where the engine has relaxed SIMD), or null without WebAssembly SIMD. */
export function f32RowModule(): { module: WasmModule; fma: F32FmaKind } | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  if (wasm === undefined) return compiled;
  const relaxed = decode(ROWS_F32_RELAXED_BASE64);
  const fallback = decode(ROWS_F32_FALLBACK_BASE64);
  if (wasm.validate(relaxed)) compiled = { module: new wasm.Module(relaxed), fma: 'relaxed-simd FMA' };
  else if (wasm.validate(fallback)) compiled = { module: new wasm.Module(fallback), fma: 'mul+add' };
  return compiled;
}

/** An instance over a fresh memory of at least `bytes` bytes, or null without SIMD. */
export function instantiateF32RowKernels(bytes: number): { kernels: F32RowKernels; memory: WasmMemory } | null {
  const compiledModule = f32RowModule();
  if (compiledModule === null || wasm === undefined) return null;
  const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const instance = new wasm.Instance(compiledModule.module, { env: { memory } });
  return { kernels: instance.exports as unknown as F32RowKernels, memory };
}
