import { memoizeShaderSource } from '@mta/device-webgpu';
import type { MtaGeometry } from '../../geometry.js';
import { ENTRY_PARAMS } from './constants.js';
import { mapInput, mapLoad, mapOutput, packedHelpers, packedRowStore, type MapStorage } from './map-storage.js';
import { mtaRows, type RowLayout } from './row-activation-shader.js';

/**
 * The activation's vector-Jacobian product, row by row (one workgroup per (batch, channel, row r)),
 * over the unmasked entries c <= r; 0 above the diagonal.
 *   softmax:   out = p * (g - sum(p * g))
 *   sparsemax: out = g - mean of g over the support {p > 0} on the support, 0 off it.
 * `inPlace`: g is read from and the result written to one buffer (post mode turns dP into dS where it
 * lies); otherwise g -> out.
 *
 * `storage`: of p, g and out (map-storage.ts). A packed (float16) out is never in place (post mode's dP
 * comes from an f32 scratch) and its rows are contiguous; its row is stored as whole words from `rowValue(c)`.
 */
export interface VjpStorage {
  readonly p: MapStorage;
  readonly g: MapStorage;
  readonly out: MapStorage;
  /** Test instrumentation of a packed out's stores (map-storage.ts, WrittenMap.ledger): binding 3. */
  readonly ledger?: boolean;
}

const F32_VJP: VjpStorage = { p: 'f32', g: 'f32', out: 'f32' };

export const rowVjpShader = memoizeShaderSource(function rowVjpShader(g: MtaGeometry, channels: number, workgroupSize: number, inPlace: boolean, storage: VjpStorage = F32_VJP): string {
  return rowVjpWgsl(mtaRows(g, channels, workgroupSize), g.sparse ? 'sparsemax' : 'softmax', workgroupSize, inPlace, storage);
});

/** The VJP of softmax or sparsemax over the rows of `layout`, from the activation's output p. */
export function rowVjpWgsl(layout: RowLayout, activation: 'softmax' | 'sparsemax', workgroupSize: number, inPlace: boolean,
  storage: VjpStorage = F32_VJP): string {
  const packed = storage.out === 'f16';
  if (inPlace && (storage.g !== 'f32' || packed)) throw new Error('webgpu MTA: an in-place VJP runs on an f32 map only');
  if (packed && layout.stride !== 1) throw new Error('webgpu MTA: a packed VJP writes contiguous rows only');
  // Rows of odd width start mid-word every other row: their boundary words have two writers (map-storage.ts).
  const shared = layout.width % 2 === 1;
  const gIn = inPlace ? 'gx' : 'gin';
  const out = inPlace ? 'gx' : 'dst';
  const pAt = (index: string): string => mapLoad('p', storage.p, index);
  const gAt = (index: string): string => mapLoad(gIn, storage.g, index);
  const bindings = inPlace
    ? `${mapInput(0, 'p', storage.p)}
@group(0) @binding(1) var<storage, read_write> gx: array<f32>;`
    : `${mapInput(0, 'p', storage.p)}
${mapInput(1, 'gin', storage.g)}
${mapOutput(2, 'dst', storage.out, shared)}`;
  const store = packedRowStore('dst', shared);
  // A packed out: the row's values come from rowValue(c), from the row's statistic left in rowK.
  const rowValue = `var<private> rowBase: u32;
var<private> rowN: u32;
var<private> rowK: f32;
fn rowValue(c: u32) -> f32 {
  if (c >= rowN) { return 0.0; }
  ${activation === 'sparsemax'
    ? `if (${pAt('rowBase + c')} > 0.0) { return ${gAt('rowBase + c')} - rowK; }
  return 0.0;`
    : `return ${pAt('rowBase + c')} * (${gAt('rowBase + c')} - rowK);`}
}`;
  const softmax = `
  var part = vec2<f32>(0.0, 0.0);
  for (var c = lid; c < n; c += WG) { part.x += ${pAt('base + c * STRIDE')} * ${gAt('base + c * STRIDE')}; }
  red2[lid] = part;
  ${sum2()}
  let dot = red2[0].x;
  ${packed ? `rowK = dot;\n  ${store}` : `for (var c = lid; c < WIDTH; c += WG) {
    if (c < n) { ${out}[base + c * STRIDE] = ${pAt('base + c * STRIDE')} * (${gAt('base + c * STRIDE')} - dot); } else { ${out}[base + c * STRIDE] = 0.0; }
  }`}`;
  const sparsemax = `
  var part = vec2<f32>(0.0, 0.0);
  for (var c = lid; c < n; c += WG) {
    if (${pAt('base + c * STRIDE')} > 0.0) { part += vec2<f32>(1.0, ${gAt('base + c * STRIDE')}); }
  }
  red2[lid] = part;
  ${sum2()}
  let support = red2[0];
  let mean = select(0.0, support.y / support.x, support.x > 0.0);
  ${packed ? `rowK = mean;\n  ${store}` : `for (var c = lid; c < WIDTH; c += WG) {
    if (c < n && ${pAt('base + c * STRIDE')} > 0.0) { ${out}[base + c * STRIDE] = ${gAt('base + c * STRIDE')} - mean; } else { ${out}[base + c * STRIDE] = 0.0; }
  }`}`;
  const helpers = packedHelpers([['p', storage.p], ['gin', storage.g]], { name: 'dst', storage: storage.out, shared, ...(storage.ledger ? { ledger: 3 } : {}) });
  return `${layout.constants}
const WIDTH: u32 = ${layout.width}u;
const STRIDE: u32 = ${layout.stride}u;
${bindings}${helpers ? `\n${helpers}` : ''}${packed ? `\n${rowValue}` : ''}
var<workgroup> red2: array<vec2<f32>, ${workgroupSize}>;
const ROWS: u32 = ${layout.rows}u;
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let row = linearGroup(wg, groups);
  if (row >= ROWS) { return; }
  let n = ${layout.n};
  let base = ${layout.base};${packed ? '\n  rowBase = base;\n  rowN = n;' : ''}
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
