import type { MtaGeometry } from '../../geometry.js';
import { ENTRY_PARAMS, geometryConstants } from './constants.js';

/**
 * The activation's vector-Jacobian product, row by row (one workgroup per (batch, channel, row r)),
 * over the unmasked entries c <= r; 0 above the diagonal.
 *   softmax:   out = p * (g - sum(p * g))
 *   sparsemax: out = g - mean of g over the support {p > 0} on the support, 0 off it.
 * `inPlace`: g is read from and the result written to one buffer (post mode turns dP into dS where it
 * lies); otherwise g -> out.
 */
export function rowVjpShader(g: MtaGeometry, channels: number, workgroupSize: number, inPlace: boolean): string {
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
  for (var c = lid; c < n; c += WG) { part.x += p[base + c] * ${gIn}[base + c]; }
  red2[lid] = part;
  ${sum2()}
  let dot = red2[0].x;
  for (var c = lid; c < L; c += WG) {
    if (c < n) { ${out}[base + c] = p[base + c] * (${gIn}[base + c] - dot); } else { ${out}[base + c] = 0.0; }
  }`;
  const sparsemax = `
  var part = vec2<f32>(0.0, 0.0);
  for (var c = lid; c < n; c += WG) {
    if (p[base + c] > 0.0) { part += vec2<f32>(1.0, ${gIn}[base + c]); }
  }
  red2[lid] = part;
  ${sum2()}
  let support = red2[0];
  let mean = select(0.0, support.y / support.x, support.x > 0.0);
  for (var c = lid; c < L; c += WG) {
    if (c < n && p[base + c] > 0.0) { ${out}[base + c] = ${gIn}[base + c] - mean; } else { ${out}[base + c] = 0.0; }
  }`;
  return `${geometryConstants(g, workgroupSize)}
${bindings}
var<workgroup> red2: array<vec2<f32>, ${workgroupSize}>;
const ROWS: u32 = ${g.B * channels * g.L}u;
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let row = linearGroup(wg, groups);
  if (row >= ROWS) { return; }
  let n = row % L + 1u;
  let base = row * L;
  ${g.sparse ? sparsemax : softmax}
}`;
}

function sum2(): string {
  return `workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red2[lid] = red2[lid] + red2[lid + s]; }
    workgroupBarrier();
  }`;
}
