import { EXP_FLUSH_BELOW, EXP_ROUND_SHIFT, EXP_TAYLOR, LN2_HI, LN2_LO, LOG2E } from './softmax-exp.js';
import { assembleModule, Code, F64, I32, V128 } from './wasm-assembler.js';

/**
 * WebAssembly SIMD (f64x2) versions of the hot row loops: convRows3x3, convRow3, gradRow3
 * (conv-rows.ts), pairwiseDot and the softmax VJP (activation-rows.ts), softmaxInPlace (softmax-exp.ts).
 * Arguments are byte addresses in the instance's memory; n is the row length. Each output element is
 * computed with exactly the operations, in exactly the order, of the JavaScript version (two lanes at a
 * time, the odd tail on its own), so results are bit-identical to the JavaScript fallback; only
 * gradRow3's weight-gradient sums are reassociated (even/odd lanes).
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

type Mode = 'vector' | 'scalar';

/** Position of dot() in the module's function list (softmaxVjp calls it). */
const DOT_FUNCTION_INDEX = 3;

/** Loads w[k] as a scalar, or reads its splatted vector local. */
function weight(code: Code, mode: Mode, wParam: number, firstWeightLocal: number, k: number): Code {
  return mode === 'vector' ? code.get(firstWeightLocal + k) : code.get(wParam).f64Load(8 * k);
}

function load(code: Code, mode: Mode, pointer: number, offset: number): Code {
  return mode === 'vector' ? code.get(pointer).v128Load(offset) : code.get(pointer).f64Load(offset);
}

const mul = (code: Code, mode: Mode) => (mode === 'vector' ? code.f64x2Mul() : code.f64Mul());
const add = (code: Code, mode: Mode) => (mode === 'vector' ? code.f64x2Add() : code.f64Add());

function splatWeights(code: Code, wParam: number, firstLocal: number, count: number): void {
  for (let k = 0; k < count; k++) code.get(wParam).f64Load(8 * k).f64x2Splat().set(firstLocal + k);
}

/** end = base + (n & ~1) * 8: the address where the two-lane loop stops. */
function pairEnd(code: Code, base: number, n: number, endLocal: number): void {
  code.get(base).get(n).i32(-2).i32And().i32(3).i32Shl().i32Add().set(endLocal);
}

function advance(code: Code, pointers: readonly number[], bytes: number): void {
  for (const p of pointers) code.get(p).i32(bytes).i32Add().set(p);
}

function conv3x3(): Code {
  const [ACC, X0, X1, X2, W, N, END, W0] = [0, 1, 2, 3, 4, 5, 6, 7];
  const rows = [X0, X1, X2];
  const code = new Code();
  const term = (mode: Mode, k: number) => {
    weight(code, mode, W, W0, k);
    load(code, mode, rows[Math.floor(k / 3)]!, 8 * (k % 3));
    mul(code, mode);
  };
  // ((t0 + t1) + (t2 + t3)) + ((t4 + t5) + (t6 + t7)) + t8, as convRows3x3 writes it.
  const expression = (mode: Mode) => {
    term(mode, 0); term(mode, 1); add(code, mode); term(mode, 2); term(mode, 3); add(code, mode); add(code, mode);
    term(mode, 4); term(mode, 5); add(code, mode); term(mode, 6); term(mode, 7); add(code, mode); add(code, mode);
    add(code, mode);
    term(mode, 8); add(code, mode);
  };
  splatWeights(code, W, W0, 9);
  pairEnd(code, ACC, N, END);
  code.block().loop().get(ACC).get(END).i32GeU().brIf(1);
  code.get(ACC).get(ACC).v128Load(0);
  expression('vector');
  code.f64x2Add().v128Store(0);
  advance(code, [ACC, X0, X1, X2], 16);
  code.br(0).end().end();
  code.get(N).i32(1).i32And().if().get(ACC).get(ACC).f64Load(0);
  expression('scalar');
  code.f64Add().f64Store(0).end();
  return code;
}

function conv3(): Code {
  const [ACC, X, W, N, END, W0] = [0, 1, 2, 3, 4, 5];
  const code = new Code();
  const term = (mode: Mode, k: number) => {
    weight(code, mode, W, W0, k);
    load(code, mode, X, 8 * k);
    mul(code, mode);
  };
  // (t0 + t1) + t2, as convRow3.
  const expression = (mode: Mode) => {
    term(mode, 0); term(mode, 1); add(code, mode); term(mode, 2); add(code, mode);
  };
  splatWeights(code, W, W0, 3);
  pairEnd(code, ACC, N, END);
  code.block().loop().get(ACC).get(END).i32GeU().brIf(1);
  code.get(ACC).get(ACC).v128Load(0);
  expression('vector');
  code.f64x2Add().v128Store(0);
  advance(code, [ACC, X], 16);
  code.br(0).end().end();
  code.get(N).i32(1).i32And().if().get(ACC).get(ACC).f64Load(0);
  expression('scalar');
  code.f64Add().f64Store(0).end();
  return code;
}

function grad3(): Code {
  const [DP, G, X, W, DW, N, END, W0, S0, XV, s0, XS] = [0, 1, 2, 3, 4, 5, 6, 7, 10, 13, 14, 17];
  const code = new Code();
  // dp[c] += (w0 * g[c+2] + w1 * g[c+1]) + w2 * g[c], as gradRow3.
  const dpExpression = (mode: Mode) => {
    weight(code, mode, W, W0, 0); load(code, mode, G, 16); mul(code, mode);
    weight(code, mode, W, W0, 1); load(code, mode, G, 8); mul(code, mode);
    add(code, mode);
    weight(code, mode, W, W0, 2); load(code, mode, G, 0); mul(code, mode);
    add(code, mode);
  };
  splatWeights(code, W, W0, 3);
  pairEnd(code, DP, N, END);
  code.block().loop().get(DP).get(END).i32GeU().brIf(1);
  code.get(X).v128Load(0).set(XV);
  code.get(DP).get(DP).v128Load(0);
  dpExpression('vector');
  code.f64x2Add().v128Store(0);
  // S_k += x * g[c + 2 - k]
  for (let k = 0; k < 3; k++) code.get(S0 + k).get(XV).get(G).v128Load(8 * (2 - k)).f64x2Mul().f64x2Add().set(S0 + k);
  advance(code, [DP, G, X], 16);
  code.br(0).end().end();
  for (let k = 0; k < 3; k++) code.get(S0 + k).f64x2ExtractLane(0).get(S0 + k).f64x2ExtractLane(1).f64Add().set(s0 + k);
  code.get(N).i32(1).i32And().if();
  code.get(X).f64Load(0).set(XS);
  code.get(DP).get(DP).f64Load(0);
  dpExpression('scalar');
  code.f64Add().f64Store(0);
  for (let k = 0; k < 3; k++) code.get(s0 + k).get(XS).get(G).f64Load(8 * (2 - k)).f64Mul().f64Add().set(s0 + k);
  code.end();
  for (let k = 0; k < 3; k++) code.get(DW).get(DW).f64Load(8 * k).get(s0 + k).f64Add().f64Store(8 * k);
  return code;
}

function dot(): Code {
  const [A, B, N, END, S, s] = [0, 1, 2, 3, 4, 5];
  const code = new Code();
  pairEnd(code, A, N, END);
  code.block().loop().get(A).get(END).i32GeU().brIf(1);
  code.get(S).get(A).v128Load(0).get(B).v128Load(0).f64x2Mul().f64x2Add().set(S);
  advance(code, [A, B], 16);
  code.br(0).end().end();
  code.get(S).f64x2ExtractLane(0).get(S).f64x2ExtractLane(1).f64Add().set(s);
  code.get(N).i32(1).i32And().if().get(s).get(A).f64Load(0).get(B).f64Load(0).f64Mul().f64Add().set(s).end();
  code.get(s);
  return code;
}

function softmaxVjp(): Code {
  const [P, G, N, END, DOT, VDOT] = [0, 1, 2, 3, 4, 5];
  const code = new Code();
  // dot, exactly as dot() computes it
  code.get(P).get(G).get(N).call(DOT_FUNCTION_INDEX).set(DOT);
  code.get(DOT).f64x2Splat().set(VDOT);
  pairEnd(code, G, N, END);
  code.block().loop().get(G).get(END).i32GeU().brIf(1);
  code.get(G).get(P).v128Load(0).get(G).v128Load(0).get(VDOT).f64x2Sub().f64x2Mul().v128Store(0);
  advance(code, [P, G], 16);
  code.br(0).end().end();
  code.get(N).i32(1).i32And().if().get(G).get(P).f64Load(0).get(G).f64Load(0).get(DOT).f64Sub().f64Mul().f64Store(0).end();
  return code;
}

function softmax(): Code {
  const [ROW, N, END, P, VMAX, VSUM, MAX, SUM, D, T, R, K_LOG2E, K_SHIFT, K_LN2HI, K_LN2LO, K_FLUSH, K_C0, R2, R4, R8, B1] =
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 29, 30, 31, 32];
  const code = new Code();
  const splat = (value: number, local: number) => code.f64Const(value).f64x2Splat().set(local);
  splat(LOG2E, K_LOG2E);
  splat(EXP_ROUND_SHIFT, K_SHIFT);
  splat(LN2_HI, K_LN2HI);
  splat(LN2_LO, K_LN2LO);
  splat(EXP_FLUSH_BELOW, K_FLUSH);
  EXP_TAYLOR.forEach((c, q) => splat(c, K_C0 + q));
  /** Consumes d (two lanes) from the stack, leaves exp(d) as expNonPositive computes it. */
  const exp = () => {
    code.set(D);
    code.get(D).get(K_LOG2E).f64x2Mul().get(K_SHIFT).f64x2Add().set(T);
    // r = (d - kf * ln2_hi) - kf * ln2_lo with kf = t - shift
    code.get(D).get(T).get(K_SHIFT).f64x2Sub().get(K_LN2HI).f64x2Mul().f64x2Sub();
    code.get(T).get(K_SHIFT).f64x2Sub().get(K_LN2LO).f64x2Mul().f64x2Sub().set(R);
    // Estrin, exactly as expNonPositive: b_k = (c[4k] + c[4k+1] r) + (c[4k+2] + c[4k+3] r) r2,
    // poly = (b0 + b1 r4) + (b2 + c12 r4) r8.
    code.get(R).get(R).f64x2Mul().tee(R2).get(R2).f64x2Mul().tee(R4).get(R4).f64x2Mul().set(R8);
    const pair = (q: number) => code.get(K_C0 + q).get(K_C0 + q + 1).get(R).f64x2Mul().f64x2Add();
    const quad = (q: number) => { pair(q); pair(q + 2); code.get(R2).f64x2Mul().f64x2Add(); };
    quad(4);
    code.set(B1);
    quad(0);
    code.get(B1).get(R4).f64x2Mul().f64x2Add();
    quad(8);
    code.get(K_C0 + 12).get(R4).f64x2Mul().f64x2Add().get(R8).f64x2Mul().f64x2Add();
    // 2^k by adding k to the exponent field: bits(t) - bits(shift) = k.
    code.get(T).get(K_SHIFT).i64x2Sub().i32(52).i64x2Shl().i64x2Add();
    code.get(D).get(K_FLUSH).f64x2Ge().v128And();
  };
  pairEnd(code, ROW, N, END);
  // max
  code.get(ROW).f64Load(0).f64x2Splat().set(VMAX);
  code.get(ROW).set(P);
  code.block().loop().get(P).get(END).i32GeU().brIf(1);
  code.get(VMAX).get(P).v128Load(0).f64x2Max().set(VMAX);
  advance(code, [P], 16);
  code.br(0).end().end();
  code.get(VMAX).f64x2ExtractLane(0).get(VMAX).f64x2ExtractLane(1).f64Max().set(MAX);
  code.get(N).i32(1).i32And().if().get(MAX).get(P).f64Load(0).f64Max().set(MAX).end();
  // exp(x - max) in place, sums of even and odd lanes
  code.get(ROW).set(P);
  code.block().loop().get(P).get(END).i32GeU().brIf(1);
  code.get(P).get(P).v128Load(0).get(MAX).f64x2Splat().f64x2Sub();
  exp();
  code.tee(D).v128Store(0);
  code.get(VSUM).get(D).f64x2Add().set(VSUM);
  advance(code, [P], 16);
  code.br(0).end().end();
  code.get(VSUM).f64x2ExtractLane(0).get(VSUM).f64x2ExtractLane(1).f64Add().set(SUM);
  // The odd tail goes through the same vector code on a splat, so it gets the same bits.
  code.get(N).i32(1).i32And().if();
  code.get(P).get(P).f64Load(0).get(MAX).f64Sub().f64x2Splat();
  exp();
  code.f64x2ExtractLane(0).tee(MAX).f64Store(0);
  code.get(SUM).get(MAX).f64Add().set(SUM);
  code.end();
  // scale by 1 / sum
  code.f64Const(1).get(SUM).f64Div().f64x2Splat().set(VMAX);
  code.get(ROW).set(P);
  code.block().loop().get(P).get(END).i32GeU().brIf(1);
  code.get(P).get(P).v128Load(0).get(VMAX).f64x2Mul().v128Store(0);
  advance(code, [P], 16);
  code.br(0).end().end();
  code.get(N).i32(1).i32And().if().get(P).get(P).f64Load(0).get(VMAX).f64x2ExtractLane(0).f64Mul().f64Store(0).end();
  return code;
}

/**
 * The slice of the WebAssembly JS API used here. The workspace compiles against lib ES2022 + node
 * types, neither of which declares the WebAssembly global, so it is typed locally.
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
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

let compiled: WasmModule | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable (the JavaScript loops are used). */
export function simdRowKernelModule(): WasmModule | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  if (wasm === undefined) return compiled;
  const bytes = assembleModule([
    { name: 'conv3x3', params: [I32, I32, I32, I32, I32, I32], locals: [I32, ...Array<typeof V128>(9).fill(V128)], body: conv3x3() },
    { name: 'conv3', params: [I32, I32, I32, I32], locals: [I32, V128, V128, V128], body: conv3() },
    {
      name: 'grad3', params: [I32, I32, I32, I32, I32, I32],
      locals: [I32, V128, V128, V128, V128, V128, V128, V128, F64, F64, F64, F64], body: grad3(),
    },
    { name: 'dot', params: [I32, I32, I32], results: [F64], locals: [I32, V128, F64], body: dot() },
    { name: 'softmaxVjp', params: [I32, I32, I32], locals: [I32, F64, V128], body: softmaxVjp() },
    {
      // END, P, VMAX, VSUM, MAX, SUM, D, T, R, then 5 constants, 13 Taylor coefficients, R2, R4, R8, B1
      name: 'softmax', params: [I32, I32],
      locals: [I32, I32, V128, V128, F64, F64, V128, V128, V128, ...Array<typeof V128>(5 + 13 + 4).fill(V128)], body: softmax(),
    },
  ]);
  if (wasm.validate(bytes)) compiled = new wasm.Module(bytes);
  return compiled;
}

/** An instance over a fresh memory of at least `bytes` bytes, or null without SIMD support. */
export function instantiateSimdRowKernels(bytes: number): { kernels: SimdRowKernels; memory: WasmMemory } | null {
  const module = simdRowKernelModule();
  if (module === null || wasm === undefined) return null;
  const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const instance = new wasm.Instance(module, { env: { memory } });
  return { kernels: instance.exports as unknown as SimdRowKernels, memory };
}
