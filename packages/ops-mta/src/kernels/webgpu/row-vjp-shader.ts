import type { MtaGeometry } from '../../geometry.js';
import { ENTRY_PARAMS, geometryConstants } from './constants.js';
import { mapInput, mapLoad, mapOutput, packedHelpers, packedRowStore, sharesWords, type MapStorage } from './map-storage.js';

/**
 * The activation's vector-Jacobian product, row by row (one workgroup per (batch, channel, row r)),
 * over the unmasked entries c <= r; 0 above the diagonal.
 *   softmax:   out = p * (g - sum(p * g))
 *   sparsemax: out = g - mean of g over the support {p > 0} on the support, 0 off it.
 * `inPlace`: g is read from and the result written to one buffer (post mode turns dP into dS where it
 * lies); otherwise g -> out.
 *
 * `storage`: of p, g and out (map-storage.ts). A packed (float16) out is never in place (post mode's dP
 * comes from an f32 scratch); its row is stored as whole words from `rowValue(c)`.
 */
export interface VjpStorage {
  readonly p: MapStorage;
  readonly g: MapStorage;
  readonly out: MapStorage;
  /** Test instrumentation of a packed out's stores (map-storage.ts, WrittenMap.ledger): binding 3. */
  readonly ledger?: boolean;
}

export function rowVjpShader(g: MtaGeometry, channels: number, workgroupSize: number, inPlace: boolean,
  storage: VjpStorage = { p: 'f32', g: 'f32', out: 'f32' }): string {
  if (inPlace && (storage.g !== 'f32' || storage.out !== 'f32')) throw new Error('webgpu MTA: an in-place VJP runs on an f32 map only');
  const packed = storage.out === 'f16';
  const gIn = inPlace ? 'gx' : 'gin';
  const out = inPlace ? 'gx' : 'dst';
  const pAt = (index: string): string => mapLoad('p', storage.p, index);
  const gAt = (index: string): string => mapLoad(gIn, storage.g, index);
  const bindings = inPlace
    ? `${mapInput(0, 'p', storage.p)}
@group(0) @binding(1) var<storage, read_write> gx: array<f32>;`
    : `${mapInput(0, 'p', storage.p)}
${mapInput(1, 'gin', storage.g)}
${mapOutput(2, 'dst', storage.out, sharesWords(g))}`;
  const store = packedRowStore('dst', sharesWords(g));
  // A packed out: the row's values come from rowValue(c), from the row's statistic left in rowK.
  const rowValue = `var<private> rowBase: u32;
var<private> rowN: u32;
var<private> rowK: f32;
fn rowValue(c: u32) -> f32 {
  if (c >= rowN) { return 0.0; }
  ${g.sparse
    ? `if (${pAt('rowBase + c')} > 0.0) { return ${gAt('rowBase + c')} - rowK; }
  return 0.0;`
    : `return ${pAt('rowBase + c')} * (${gAt('rowBase + c')} - rowK);`}
}`;
  const softmax = `
  var part = vec2<f32>(0.0, 0.0);
  for (var c = lid; c < n; c += WG) { part.x += ${pAt('base + c')} * ${gAt('base + c')}; }
  red2[lid] = part;
  ${sum2()}
  let dot = red2[0].x;
  ${packed ? `rowK = dot;
  ${store}` : `for (var c = lid; c < L; c += WG) {
    if (c < n) { ${out}[base + c] = ${pAt('base + c')} * (${gAt('base + c')} - dot); } else { ${out}[base + c] = 0.0; }
  }`}`;
  const sparsemax = `
  var part = vec2<f32>(0.0, 0.0);
  for (var c = lid; c < n; c += WG) {
    if (${pAt('base + c')} > 0.0) { part += vec2<f32>(1.0, ${gAt('base + c')}); }
  }
  red2[lid] = part;
  ${sum2()}
  let support = red2[0];
  let mean = select(0.0, support.y / support.x, support.x > 0.0);
  ${packed ? `rowK = mean;
  ${store}` : `for (var c = lid; c < L; c += WG) {
    if (c < n && ${pAt('base + c')} > 0.0) { ${out}[base + c] = ${gAt('base + c')} - mean; } else { ${out}[base + c] = 0.0; }
  }`}`;
  const helpers = packedHelpers([['p', storage.p], ['gin', storage.g]], { name: 'dst', storage: storage.out, shared: sharesWords(g), ...(storage.ledger ? { ledger: 3 } : {}) });
  return `${geometryConstants(g, workgroupSize)}
${bindings}${helpers ? `\n${helpers}` : ''}${packed ? `\n${rowValue}` : ''}
var<workgroup> red2: array<vec2<f32>, ${workgroupSize}>;
const ROWS: u32 = ${g.B * channels * g.L}u;
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let row = linearGroup(wg, groups);
  if (row >= ROWS) { return; }
  let n = row % L + 1u;
  let base = row * L;${packed ? '\n  rowBase = base;\n  rowN = n;' : ''}
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
