import {
  ROWS_F32_FALLBACK_PRIVATE_BASE64, ROWS_F32_FALLBACK_SHARED_BASE64, ROWS_F32_RELAXED_PRIVATE_BASE64, ROWS_F32_RELAXED_SHARED_BASE64,
} from './wasm/rows-f32.generated.js';

/**
 * The float32 (f32x4) row loops of wasm/rows-f32.wat, assembled by wabt at build time (tools/wasm/build.ts).
 * The relaxed-SIMD module (FMA) is used where the engine validates it, else the mul + add one; each comes
 * for a shared memory (the cpu arena: map rows are read and written in place) and a private one. Arguments
 * are byte addresses in the instance's memory, n the valid columns of a row, L a map row's length.
 * Element-wise loops on scratch rows write whole quads (lanes past n are garbage or zero, as each says);
 * map rows are written only by the functions that take L, exactly L floats; reductions end in float64.
 */
export interface F32RowKernels {
  /** Zeros from byte address p to end (exclusive). */
  zero(p: number, end: number): void;
  /** acc = bias, then += 3x3 taps for `count` input channels: 3 row addresses per channel in the i32 table, 9 weights each from w. */
  convRow(acc: number, table: number, w: number, bias: number, n: number, count: number): void;
  /**
   * convRow for output rows i and i + 1 into acc0 and acc1 (kH = 3, row dilation 1): 4 row addresses per
   * channel in the table (rows i - top .. i + 1 + bottom); n columns for both. Same sums as two convRow calls.
   */
  convRowPair(acc0: number, acc1: number, table: number, w: number, bias: number, n: number, count: number): void;
  /** acc = bias, then += 3 taps per (row, weights + shift bytes) address pair of the table (kernels with kH != 3). */
  convRows(acc: number, table: number, bias: number, n: number, count: number, shift: number): void;
  /**
   * dp = 0, then grad3 for `count` (g, w, dW) address triples in the i32 table, all with this dp and x;
   * `shift` bytes are added to each w address and 2 * shift to each dW address (one table per group).
   */
  grad3Multi(dp: number, x: number, table: number, n: number, count: number, shift: number): void;
  /** Ring row dst = src (c < n), zeros from column n to zeroEnd. */
  loadRow(dst: number, src: number, n: number, zeroEnd: number): void;
  /** Reads one float per cache line of the first n floats of `count` rows (addresses in the i32 table), interleaved. */
  touchRows(table: number, count: number, n: number): number;
  /** Map row dst (L floats) = src[c < n], then zeros. */
  storeRow(dst: number, src: number, n: number, L: number): void;
  /** Softmax of src into ring (tail lanes 0); into map row out too when out != 0; ring zeros to zeroEnd. */
  softmaxRow(src: number, ring: number, out: number, n: number, zeroEnd: number, L: number): void;
  /** g = p * (g - dot(p, g)) in place (c < n, tail lanes 0): the softmax VJP. */
  softmaxVjp(p: number, g: number, n: number): void;
  /** Map row dst = the softmax VJP of g through p (c < n), zeros after; g is clobbered. */
  vjpStore(dst: number, p: number, g: number, n: number, L: number): void;
  /** sum_c a[c] * b[c] in float64; b = 0 sums a alone. */
  dot(a: number, b: number, n: number): number;
  /** acc[j] += 3x3 taps over rows x0, x1, x2 (weights w[0..8]); for tests. */
  conv3x3(acc: number, x0: number, x1: number, x2: number, w: number, n: number): void;
  /** dp[c] += w0 g[c+2] + w1 g[c+1] + w2 g[c]; float64 dW[k] += sum_c x[c] g[c+2-k]; for tests. */
  grad3(dp: number, g: number, x: number, w: number, dW: number, n: number): void;
}

export type F32FmaKind = 'relaxed-simd FMA' | 'mul+add';
export type F32MemoryKind = 'shared' | 'private';

/** The part of WebAssembly.Memory the kernels use. */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
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

const SOURCES: Record<F32MemoryKind, readonly [relaxed: string, fallback: string]> = {
  shared: [ROWS_F32_RELAXED_SHARED_BASE64, ROWS_F32_FALLBACK_SHARED_BASE64],
  private: [ROWS_F32_RELAXED_PRIVATE_BASE64, ROWS_F32_FALLBACK_PRIVATE_BASE64],
};
const compiled: Partial<Record<F32MemoryKind, { module: WasmModule; fma: F32FmaKind } | null>> = {};

/** The compiled module for a memory kind (FMA where the engine has relaxed SIMD), or null without WebAssembly SIMD. */
export function f32RowModule(memory: F32MemoryKind = 'private'): { module: WasmModule; fma: F32FmaKind } | null {
  const known = compiled[memory];
  if (known !== undefined) return known;
  let result: { module: WasmModule; fma: F32FmaKind } | null = null;
  if (wasm !== undefined) {
    const [relaxed, fallback] = SOURCES[memory].map(decode) as [Uint8Array, Uint8Array];
    // The shared module needs shared memory (threads) on top of SIMD: an engine may validate one and not the other.
    if (wasm.validate(relaxed)) result = { module: new wasm.Module(relaxed), fma: 'relaxed-simd FMA' };
    else if (wasm.validate(fallback)) result = { module: new wasm.Module(fallback), fma: 'mul+add' };
  }
  compiled[memory] = result;
  return result;
}

/** An instance of the `kind` module over `memory`, or null where the engine cannot run it. */
export function instantiateF32RowKernels(memory: WasmMemory, kind: F32MemoryKind): F32RowKernels | null {
  const compiledModule = f32RowModule(kind);
  if (compiledModule === null || wasm === undefined) return null;
  const instance = new wasm.Instance(compiledModule.module, { env: { memory } });
  return instance.exports as unknown as F32RowKernels;
}

/** A fresh private memory of at least `bytes` bytes (grown later by the caller as needed). */
export function newPrivateMemory(bytes: number): WasmMemory | null {
  return wasm === undefined ? null : new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
}
