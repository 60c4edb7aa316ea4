import type { MtaGeometry } from '../../geometry.js';
import { ENTRY_PARAMS } from './constants.js';
import { mtaRows, type RowLayout } from './row-activation-shader.js';

/**
 * The activation's vector-Jacobian product, row by row (one workgroup per (batch, channel, row r)),
 * over the unmasked entries c <= r; 0 above the diagonal.
 *   softmax:   out = p * (g - sum(p * g))
 *   sparsemax: out = g - mean of g over the support {p > 0} on the support, 0 off it.
 * `inPlace`: g is read from and the result written to one buffer (post mode turns dP into dS where it
 * lies); otherwise g -> out.
 */
export function rowVjpShader(g: MtaGeometry, channels: number, workgroupSize: number, inPlace: boolean): string {
  return rowVjpWgsl(mtaRows(g, channels, workgroupSize), g.sparse ? 'sparsemax' : 'softmax', workgroupSize, inPlace);
}

/** The VJP of softmax or sparsemax over the rows of `layout`, from the activation's output p. */
export function rowVjpWgsl(layout: RowLayout, activation: 'softmax' | 'sparsemax', workgroupSize: number, inPlace: boolean): string {
  const gIn = inPlace ? 'gx' : 'gin';
  const out = inPlace ? 'gx' : 'dst';
  const bindings = inPlace
    ? `@group(0) @binding(0) var<storage, read> p: array<f32>;
@group(0) @binding(1) var<storage, read_write> gx: array<f32>;`
    : `@group(0) @binding(0) var<storage, read> p: array<f32>;
@group(0) @binding(1) var<storage, read> gin: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;`;
  const softmax = `
  var part = vec2<f32>(0.0, 0.0);
  for (var c = lid; c < n; c += WG) { part.x += p[base + c * STRIDE] * ${gIn}[base + c * STRIDE]; }
  red2[lid] = part;
  ${sum2()}
  let dot = red2[0].x;
  for (var c = lid; c < WIDTH; c += WG) {
    if (c < n) { ${out}[base + c * STRIDE] = p[base + c * STRIDE] * (${gIn}[base + c * STRIDE] - dot); } else { ${out}[base + c * STRIDE] = 0.0; }
  }`;
  const sparsemax = `
  var part = vec2<f32>(0.0, 0.0);
  for (var c = lid; c < n; c += WG) {
    if (p[base + c * STRIDE] > 0.0) { part += vec2<f32>(1.0, ${gIn}[base + c * STRIDE]); }
  }
  red2[lid] = part;
  ${sum2()}
  let support = red2[0];
  let mean = select(0.0, support.y / support.x, support.x > 0.0);
  for (var c = lid; c < WIDTH; c += WG) {
    if (c < n && p[base + c * STRIDE] > 0.0) { ${out}[base + c * STRIDE] = ${gIn}[base + c * STRIDE] - mean; } else { ${out}[base + c * STRIDE] = 0.0; }
  }`;
  return `${layout.constants}
const WIDTH: u32 = ${layout.width}u;
const STRIDE: u32 = ${layout.stride}u;
${bindings}
var<workgroup> red2: array<vec2<f32>, ${workgroupSize}>;
const ROWS: u32 = ${layout.rows}u;
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let row = linearGroup(wg, groups);
  if (row >= ROWS) { return; }
  let n = ${layout.n};
  let base = ${layout.base};
  ${activation === 'sparsemax' ? sparsemax : softmax}
}`;
}

function sum2(): string {
  return `workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red2[lid] = red2[lid] + red2[lid + s]; }
    workgroupBarrier();
  }`;
}
