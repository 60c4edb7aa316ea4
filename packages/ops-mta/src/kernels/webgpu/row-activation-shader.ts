import type { MtaGeometry } from '../../geometry.js';
import { ENTRY_PARAMS, geometryConstants, TREE_SUM } from './constants.js';

/**
 * Row-wise masked softmax or sparsemax: one workgroup per (batch, channel, row r) of a (B, C, L, L) map;
 * entries c <= r are the row (nothing above the diagonal is read, so NaN there never matters), the rest
 * of the output row is 0. `inPlace` reads and writes one buffer (pre mode activates the convolution
 * output where it lies); otherwise `src` -> `dst`.
 *
 * Sparsemax finds tau like the cpu kernel: start from the entries above max - 1, then Michelot's
 * fixed point (tau only grows, the support only shrinks) until the support stops changing.
 */
export function rowActivationShader(g: MtaGeometry, channels: number, workgroupSize: number, inPlace: boolean): string {
  const src = inPlace ? 'x' : 'src';
  const dst = inPlace ? 'x' : 'dst';
  const bindings = inPlace
    ? '@group(0) @binding(0) var<storage, read_write> x: array<f32>;'
    : `@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;`;
  const softmax = `
  red[lid] = rowMax;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = max(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let m = red[0];
  workgroupBarrier();
  var total = 0.0;
  for (var c = lid; c < n; c += WG) { total += exp(${src}[base + c] - m); }
  red[lid] = total;
  ${TREE_SUM}
  let inv = 1.0 / red[0];
  for (var c = lid; c < L; c += WG) {
    if (c < n) { ${dst}[base + c] = exp(${src}[base + c] - m) * inv; } else { ${dst}[base + c] = 0.0; }
  }`;
  const sparsemax = `
  red2[lid] = vec2<f32>(rowMax, 0.0);
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red2[lid] = vec2<f32>(max(red2[lid].x, red2[lid + s].x), 0.0); }
    workgroupBarrier();
  }
  var tau = workgroupUniformLoad(&red2[0]).x - 1.0;
  var count = 0.0;
  for (var iteration = 0u; iteration <= L; iteration++) {
    var part = vec2<f32>(0.0, 0.0);
    for (var c = lid; c < n; c += WG) {
      let v = ${src}[base + c];
      if (v > tau) { part += vec2<f32>(1.0, v); }
    }
    red2[lid] = part;
    workgroupBarrier();
    for (var s = WG / 2u; s > 0u; s = s >> 1u) {
      if (lid < s) { red2[lid] = red2[lid] + red2[lid + s]; }
      workgroupBarrier();
    }
    let support = workgroupUniformLoad(&red2[0]);
    if (support.x == count || support.x == 0.0) { break; }
    count = support.x;
    tau = (support.y - 1.0) / support.x;
  }
  for (var c = lid; c < L; c += WG) {
    if (c < n) { ${dst}[base + c] = max(${src}[base + c] - tau, 0.0); } else { ${dst}[base + c] = 0.0; }
  }`;
  return `${geometryConstants(g, workgroupSize)}
${bindings}
var<workgroup> red: array<f32, ${workgroupSize}>;
var<workgroup> red2: array<vec2<f32>, ${workgroupSize}>;
const ROWS: u32 = ${g.B * channels * g.L}u;
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let row = linearGroup(wg, groups);
  if (row >= ROWS) { return; }
  let r = row % L;
  let n = r + 1u;
  let base = row * L;
  var rowMax = -3.0e38;
  for (var c = lid; c < n; c += WG) { rowMax = max(rowMax, ${src}[base + c]); }
  ${g.sparse ? sparsemax : softmax}
}`;
}
