import { WebgpuDtypeError } from '../errors.js';
import { halfBitsLoadFn } from './half-wgsl.js';

/**
 * WGSL building blocks shared by the kernels. Sizes are baked into each kernel's source as constants: a
 * kernel variant is its source text, compiled once and cached (WebgpuContext.pipeline).
 */

/** The linear invocation index over a 2-D grid of workgroups (see WebgpuContext.grid). */
export function linearIndexPrelude(workgroupSize: number): string {
  return `
const WG: u32 = ${workgroupSize}u;
fn linearGroup(wg: vec3<u32>, groups: vec3<u32>) -> u32 { return wg.y * groups.x + wg.x; }`;
}

/** The entry-point header of a one-invocation-per-element kernel; the body sees `i`, the element index. */
export function elementwiseMain(workgroupSize: number, count: number, body: string): string {
  return `${linearIndexPrelude(workgroupSize)}
@compute @workgroup_size(${workgroupSize})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linearGroup(wg, groups) * WG + lid;
  if (i >= ${count}u) { return; }
${body}
}`;
}

/**
 * A WGSL function `name(i: u32) -> u32`: the storage element that output element i (row-major over
 * `shape`) reads, given the input's strides (0 along broadcast axes) and offset.
 */
export function stridedOffsetFn(name: string, shape: readonly number[], strides: readonly number[], offset: number): string {
  const lines: string[] = [`fn ${name}(index: u32) -> u32 {`, '  var rest = index;', `  var at = ${offset}u;`];
  for (let d = shape.length - 1; d >= 0; d--) {
    // Size 1 adds nothing; size 0 has no element to address (and `% 0u` does not compile).
    if (shape[d]! <= 1) continue;
    lines.push(`  at += (rest % ${shape[d]}u) * ${strides[d]}u;`, `  rest = rest / ${shape[d]}u;`);
  }
  lines.push('  return at;', '}');
  return lines.join('\n');
}

/** The WGSL element type of a dtype kernels compute on. */
export function wgslType(dtype: string, what: string): 'f32' | 'i32' {
  if (dtype === 'float32') return 'f32';
  if (dtype === 'int32') return 'i32';
  throw new WebgpuDtypeError(what, dtype, ['float32', 'int32']);
}

export const workgroupsFor = (count: number, workgroupSize: number): number => Math.ceil(count / workgroupSize);

// ---- element access for float32, int32, bool and float16 ---------------------------------------

/**
 * The dtypes the generic kernels read and write. bool is one byte per element in every device's memory;
 * WGSL has no 8-bit storage type, so a bool buffer is bound as array<u32> and its bytes are taken apart
 * on load and packed four to a word on store.
 */
export type GpuDType = 'float32' | 'int32' | 'bool';

/**
 * What the data-movement kernels (cast, contiguous) also take: float16, stored as binary16 bits two to a
 * word (half-wgsl.ts). It loads as its bits (u32) and a float16 output's `value(i)` returns bits, so a copy
 * is bit-exact; arithmetic kernels never see it (they keep refusing float16 through `gpuDtype`).
 */
export type GpuStorageDType = GpuDType | 'float16';

export function gpuDtype(dtype: string, what: string): GpuDType {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return dtype;
  throw new WebgpuDtypeError(what, dtype, ['float32', 'int32', 'bool']);
}

/** `gpuDtype` for the kernels that move float16 too. */
export function gpuStorageDtype(dtype: string, what: string): GpuStorageDType {
  if (dtype === 'float16') return dtype;
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return dtype;
  throw new WebgpuDtypeError(what, dtype, ['float32', 'int32', 'bool', 'float16']);
}

/** The WGSL type a loaded element has: bool loads as u32 0 or 1, float16 as its 16 bits in a u32. */
export const computeType: Readonly<Record<GpuStorageDType, 'f32' | 'i32' | 'u32'>> = { float32: 'f32', int32: 'i32', bool: 'u32', float16: 'u32' };

/** Elements a storage word holds: bool and float16 share words, so their stores are word by word. */
const PER_WORD: Readonly<Record<GpuStorageDType, number>> = { float32: 1, int32: 1, bool: 4, float16: 2 };

/** A storage binding declaration for a buffer of `dtype`. */
export function storageDecl(binding: number, name: string, dtype: GpuStorageDType, access: 'read' | 'read_write'): string {
  return `@group(0) @binding(${binding}) var<storage, ${access}> ${name}: array<${PER_WORD[dtype] > 1 ? 'u32' : computeType[dtype]}>;`;
}

/** `fn fnName(e: u32) -> T`: storage element e of `buffer` (a bool's byte, a float16's bits, extracted from its word). */
export function loadFn(fnName: string, buffer: string, dtype: GpuStorageDType): string {
  if (dtype === 'float16') return halfBitsLoadFn(fnName, buffer);
  if (dtype !== 'bool') return `fn ${fnName}(e: u32) -> ${computeType[dtype]} { return ${buffer}[e]; }`;
  return `fn ${fnName}(e: u32) -> u32 { return (${buffer}[e >> 2u] >> ((e & 3u) * 8u)) & 0xffu; }`;
}

/** The WGSL type `value(i)` returns in a map kernel: a bool output takes a WGSL bool, a float16 one its bits. */
export function valueType(dtype: GpuStorageDType): string {
  return dtype === 'bool' ? 'bool' : computeType[dtype];
}

/**
 * The entry point of a kernel that writes each element of a fresh contiguous output `y` (binding named
 * `y`) from `fn value(i: u32) -> valueType(dtype)`. A bool output is written a word (four elements) per
 * invocation and a float16 output a word (two elements) per invocation, so no two invocations share a word.
 */
export function mapMain(workgroupSize: number, count: number, dtype: GpuStorageDType): string {
  if (dtype === 'float16') {
    return elementwiseMain(workgroupSize, Math.ceil(count / 2), `  var word = value(i * 2u) & 0xffffu;
  if (i * 2u + 1u < ${count}u) { word = word | (value(i * 2u + 1u) << 16u); }
  y[i] = word;`);
  }
  if (dtype !== 'bool') return elementwiseMain(workgroupSize, count, '  y[i] = value(i);');
  const words = Math.ceil(count / 4);
  return elementwiseMain(workgroupSize, words, `  var word = 0u;
  for (var k = 0u; k < 4u; k++) {
    let e = i * 4u + k;
    if (e < ${count}u && value(e)) { word = word | (1u << (k * 8u)); }
  }
  y[i] = word;`);
}

/** Invocations `mapMain` needs for `count` output elements. */
export function mapInvocations(count: number, dtype: GpuStorageDType): number {
  return Math.ceil(count / PER_WORD[dtype]);
}

/**
 * `fromBits(b)`: a float from its bits at run time. WGSL rejects a constant expression whose value is
 * infinite or NaN (a shader with `bitcast<f32>(0xff800000u)` does not compile), and a user function's
 * result is never a constant expression: every kernel that may bake in a non-finite value includes this.
 */
export const FROM_BITS = 'fn fromBits(b: u32) -> f32 { return bitcast<f32>(b); }';
export const NEG_INF = 'fromBits(0xff800000u)';
export const POS_INF = 'fromBits(0x7f800000u)';
export const NAN = 'fromBits(0x7fc00000u)';

/** A float literal for any JavaScript number the kernels bake in; non-finite values need FROM_BITS in the shader. */
export function f32Literal(v: number): string {
  if (Number.isNaN(v)) return NAN;
  const f = Math.fround(v);
  if (!Number.isFinite(f)) return f > 0 ? POS_INF : NEG_INF;
  // The bit pattern, so WGSL's own parsing of a decimal can never round differently.
  const bits = new Uint32Array(new Float32Array([f]).buffer)[0]!;
  return `bitcast<f32>(0x${bits.toString(16)}u)`;
}

/** A scalar of `dtype` as a WGSL expression of its compute type. */
export function literal(v: number, dtype: GpuDType): string {
  if (dtype === 'float32') return f32Literal(v);
  if (dtype === 'int32') return `i32(${Math.trunc(v) | 0})`;
  return v ? '1u' : '0u';
}
