import { HALF_CODEC, memoizeShaderSource } from '@mta/device-webgpu';
import { ENTRY_PARAMS } from './constants.js';

/**
 * The two small conversions a float16 MTA call adds around the f32 shaders: the weight and bias widened
 * to f32 once per call (the convolutions read every weight once per output, so decoding there would cost
 * per tap), and the weight and bias gradients, summed in f32 like float32 calls sum them, narrowed to
 * float16 once at the end (rounded to nearest even: one rounding of the f32 sum).
 */

/** dst[e] = the f32 value of float16 element e of `src` (packed), for e < count: one invocation per element. */
export const widenHalvesShader = memoizeShaderSource(function widenHalvesShader(count: number, workgroupSize: number): string {
  return `${HALF_CODEC}
@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
const WG: u32 = ${workgroupSize}u;
fn linearGroup(wg: vec3<u32>, groups: vec3<u32>) -> u32 { return wg.y * groups.x + wg.x; }
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let e = linearGroup(wg, groups) * WG + lid;
  if (e >= ${count}u) { return; }
  dst[e] = halfToF32((src[e >> 1u] >> ((e & 1u) << 4u)) & 0xffffu);
}`;
});

/** Word w of `dst` (packed float16) from f32 elements 2w and 2w + 1 of `src` (0 past count): one invocation per word, so no word is shared. */
export const narrowToHalvesShader = memoizeShaderSource(function narrowToHalvesShader(count: number, workgroupSize: number): string {
  return `${HALF_CODEC}
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
const WG: u32 = ${workgroupSize}u;
fn linearGroup(wg: vec3<u32>, groups: vec3<u32>) -> u32 { return wg.y * groups.x + wg.x; }
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let w = linearGroup(wg, groups) * WG + lid;
  if (w >= ${Math.ceil(count / 2)}u) { return; }
  var word = f32ToHalf(src[2u * w]);
  if (2u * w + 1u < ${count}u) { word = word | (f32ToHalf(src[2u * w + 1u]) << 16u); }
  dst[w] = word;
}`;
});

/** Workgroups for `invocations` invocations. */
export const groupsFor = (invocations: number, workgroupSize: number): number => Math.ceil(invocations / workgroupSize);
