import { readFileSync } from 'node:fs';
import wabtInit from 'wabt';

/**
 * Assembles the kernels' WebAssembly text (src/kernels/cpu/wasm/*.wat: rows-f32.wat, rows-f64.wat;
 * src/kernels/npu/wasm/taps.wat) with wabt, the reference toolchain, so the kernels are checked by a real
 * assembler and validator instead of hand-written opcodes. The outputs are TypeScript modules of base64
 * bytes (the browser build cannot run wabt or read files); build.ts writes them, and tests check that the
 * committed files are exactly what these functions produce.
 */

export type FmaVariant = 'relaxed' | 'fallback';
/** 'shared': imports a shared memory (the cpu arena, tensors in place); 'private': a plain one (staged rows). */
export type MemoryVariant = 'shared' | 'private';

/** The memory import as rows-f32.wat writes it (the shared variant), and what the private variant makes of it. */
const SHARED_IMPORT = '(memory 1 65535 shared)';
const PRIVATE_IMPORT = '(memory 1)';

/** The source with the private variant's memory import (a plain, unshared memory). */
export function privateMemory(source: string): string {
  if (!source.includes(SHARED_IMPORT)) throw new Error(`rows-f32.wat: expected the memory import ${SHARED_IMPORT}`);
  return source.replace(SHARED_IMPORT, PRIVATE_IMPORT);
}

export const WAT_PATH = new URL('../../src/kernels/cpu/wasm/rows-f32.wat', import.meta.url);
export const GENERATED_PATH = new URL('../../src/kernels/cpu/wasm/rows-f32.generated.ts', import.meta.url);
export const F64_WAT_PATH = new URL('../../src/kernels/cpu/wasm/rows-f64.wat', import.meta.url);
export const F64_GENERATED_PATH = new URL('../../src/kernels/cpu/wasm/rows-f64.generated.ts', import.meta.url);

/** The balanced s-expression starting at text[open] === '(': its end index (exclusive). */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let k = open; k < text.length; k++) {
    if (text[k] === '(') depth++;
    else if (text[k] === ')' && --depth === 0) return k + 1;
  }
  throw new Error(`unbalanced parentheses after offset ${open}`);
}

/** Splits the folded operands of one s-expression body into top-level items. */
function operands(body: string): string[] {
  const items: string[] = [];
  let k = 0;
  while (k < body.length) {
    if (/\s/.test(body[k]!)) { k++; continue; }
    if (body[k] !== '(') throw new Error(`fma operands must be folded expressions, got: ${body.slice(k, k + 40)}`);
    const end = closing(body, k);
    items.push(body.slice(k, end));
    k = end;
  }
  return items;
}

/**
 * Expands every `(fma A B C)` (A * B + C): relaxed SIMD's f32x4.relaxed_madd (one FMA instruction where
 * the CPU has it), or f32x4.mul + f32x4.add for engines without relaxed SIMD. `lanes` 'f64x2' expands
 * `(fma64 A B C)` the same way with f64x2 instructions (the npu taps).
 */
export function expandFma(source: string, variant: FmaVariant, lanes: 'f32x4' | 'f64x2' = 'f32x4'): string {
  const macro = lanes === 'f32x4' ? '(fma ' : '(fma64 ';
  let out = '';
  let at = 0;
  for (;;) {
    const start = source.indexOf(macro, at);
    if (start < 0) return out + source.slice(at);
    const end = closing(source, start);
    const args = operands(source.slice(start + macro.length, end - 1)).map((arg) => expandFma(arg, variant, lanes));
    if (args.length !== 3) throw new Error(`${macro}...) takes 3 operands, got ${args.length}`);
    const [a, b, c] = args as [string, string, string];
    // Unfused, the f64x2 form adds in the taps' written order, C + A * B (the bytes of the module before fma64).
    const unfused = lanes === 'f32x4' ? `(f32x4.add (f32x4.mul ${a} ${b}) ${c})` : `(f64x2.add ${c} (f64x2.mul ${a} ${b}))`;
    out += source.slice(at, start) + (variant === 'relaxed' ? `(${lanes}.relaxed_madd ${a} ${b} ${c})` : unfused);
    at = end;
  }
}

/** Assembled and validated bytes of one variant of rows-f32.wat. */
export async function assembleRows(variant: FmaVariant, source = readFileSync(WAT_PATH, 'utf8'), memory: MemoryVariant = 'shared'): Promise<Uint8Array> {
  const text = expandFma(memory === 'shared' ? source : privateMemory(source), variant);
  return assembleWat('rows-f32.wat', text, variant === 'relaxed');
}

/** Assembled and validated bytes of rows-f64.wat. */
export async function assembleF64Rows(source = readFileSync(F64_WAT_PATH, 'utf8')): Promise<Uint8Array> {
  return assembleWat('rows-f64.wat', source, false);
}

async function assembleWat(name: string, text: string, relaxed: boolean): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const features = { simd: true, relaxed_simd: relaxed, threads: true, bulk_memory: true };
  const module = wabt.parseWat(name, text, features);
  // Validation takes the features again, else wabt.js validates with its defaults (no threads: the shared
  // memory import fails); its .d.ts leaves that parameter out.
  const validate = module.validate as unknown as (this: typeof module, options: typeof features) => void;
  try {
    validate.call(module, features);
    return new Uint8Array(module.toBinary({ log: false, write_debug_names: false }).buffer);
  } finally {
    module.destroy();
  }
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** The text of rows-f64.generated.ts. */
export async function generatedF64RowsModule(): Promise<string> {
  return `// Generated by packages/ops-mta/tools/wasm/build.ts from rows-f64.wat with wabt: do not edit.
// A test (cpu-wasm-generated.test.ts) checks that this file is exactly what the tool produces.

/** f64x2 row loops (float64 rings), over a private memory. */
export const ROWS_F64_BASE64 =
  '${base64(await assembleF64Rows())}';
`;
}

/** The text of rows-f32.generated.ts. */
export async function generatedRowsModule(): Promise<string> {
  const source = readFileSync(WAT_PATH, 'utf8');
  const bytes = async (fma: FmaVariant, memory: MemoryVariant) => base64(await assembleRows(fma, source, memory));
  return `// Generated by packages/ops-mta/tools/wasm/build.ts from rows-f32.wat with wabt: do not edit.
// A test (cpu-wasm-generated.test.ts) checks that this file is exactly what the tool produces.

/** f32x4 row loops using relaxed-simd FMA (f32x4.relaxed_madd), over a shared memory (the cpu arena). */
export const ROWS_F32_RELAXED_SHARED_BASE64 =
  '${await bytes('relaxed', 'shared')}';

/** The same loops with f32x4.mul + f32x4.add, for engines without relaxed SIMD, over a shared memory. */
export const ROWS_F32_FALLBACK_SHARED_BASE64 =
  '${await bytes('fallback', 'shared')}';

/** Relaxed-simd FMA over a private (unshared) memory: engines without shared memory. */
export const ROWS_F32_RELAXED_PRIVATE_BASE64 =
  '${await bytes('relaxed', 'private')}';

/** mul + add over a private memory. */
export const ROWS_F32_FALLBACK_PRIVATE_BASE64 =
  '${await bytes('fallback', 'private')}';
`;
}

export const NPU_TAPS_WAT_PATH = new URL('../../src/kernels/npu/wasm/taps.wat', import.meta.url);
export const NPU_TAPS_GENERATED_PATH = new URL('../../src/kernels/npu/wasm/taps.generated.ts', import.meta.url);

/** The source importing a shared memory (taps.wat imports a private one; the shared variant runs on a UB arena in the simulator's shared memory). */
export function sharedMemory(source: string): string {
  if (!source.includes(PRIVATE_IMPORT)) throw new Error(`taps.wat: expected the memory import ${PRIVATE_IMPORT}`);
  return source.replace(PRIVATE_IMPORT, SHARED_IMPORT);
}

/**
 * Assembled and validated bytes of one variant of the npu simulator's tap instructions (SIMD128; relaxed SIMD
 * for 'relaxed'; a shared memory import for memory 'shared').
 */
export async function assembleNpuTaps(source = readFileSync(NPU_TAPS_WAT_PATH, 'utf8'), variant: FmaVariant = 'fallback', memory: MemoryVariant = 'private'): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const features = { simd: true, relaxed_simd: variant === 'relaxed', threads: memory === 'shared' };
  const module = wabt.parseWat('taps.wat', expandFma(memory === 'shared' ? sharedMemory(source) : source, variant, 'f64x2'), features);
  // Validation takes the features again (see assembleWat).
  const validate = module.validate as unknown as (this: typeof module, options: typeof features) => void;
  try {
    validate.call(module, features);
    return new Uint8Array(module.toBinary({ log: false, write_debug_names: false }).buffer);
  } finally {
    module.destroy();
  }
}

/** The text of src/kernels/npu/wasm/taps.generated.ts. */
export async function generatedNpuTapsModule(): Promise<string> {
  const source = readFileSync(NPU_TAPS_WAT_PATH, 'utf8');
  return `// Generated by packages/ops-mta/tools/wasm/build.ts from taps.wat with wabt: do not edit.
// A test (npu-wasm-generated.test.ts) checks that this file is exactly what the tool produces.

/** SIMD loops of the npu simulator's k = 3 tap instructions (vector-taps.ts): float32 taps, float64 sums with f64x2.mul + f64x2.add. */
export const NPU_TAPS_BASE64 =
  '${base64(await assembleNpuTaps(source, 'fallback'))}';

/** The same loops with relaxed-simd f64x2.relaxed_madd in the float64 sums (the same bits: see taps.wat), where the engine validates them. */
export const NPU_TAPS_RELAXED_BASE64 =
  '${base64(await assembleNpuTaps(source, 'relaxed'))}';

/** NPU_TAPS_BASE64 importing a shared memory (a UB arena in the simulator's shared memory). */
export const NPU_TAPS_SHARED_BASE64 =
  '${base64(await assembleNpuTaps(source, 'fallback', 'shared'))}';

/** NPU_TAPS_RELAXED_BASE64 importing a shared memory. */
export const NPU_TAPS_RELAXED_SHARED_BASE64 =
  '${base64(await assembleNpuTaps(source, 'relaxed', 'shared'))}';
`;
}
