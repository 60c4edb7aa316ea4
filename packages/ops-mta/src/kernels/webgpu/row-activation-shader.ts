import { memoizeShaderSource } from '@mta/device-webgpu';
import type { MtaGeometry } from '../../geometry.js';
import { ENTRY_PARAMS, geometryConstants, TREE_SUM } from './constants.js';
import { mapInput, mapLoad, mapOutput, packedHelpers, packedRowStore, type MapStorage } from './map-storage.js';

/**
 * Where a row-wise shader finds its rows: `rows` rows of `width` entries, entry c of row `row` at
 * `base + c * STRIDE`, of which the first `n` take part (the rest of the row is written as 0). `base` and
 * `n` are WGSL expressions of `row`; `constants` declares what they use. An MTA map's rows are causal
 * (n = r + 1, stride 1); a sparsemax along any axis of a tensor has n = width and stride = the inner size.
 */
export interface RowLayout {
  readonly constants: string;
  readonly rows: number;
  readonly width: number;
  readonly stride: number;
  readonly base: string;
  readonly n: string;
}

/** The rows of a (B, channels, L, L) map under MTA's causal mask. */
export function mtaRows(g: MtaGeometry, channels: number, workgroupSize: number): RowLayout {
  return { constants: geometryConstants(g, workgroupSize), rows: g.B * channels * g.L, width: g.L, stride: 1, base: 'row * L', n: 'row % L + 1u' };
}

/**
 * Row-wise masked softmax or sparsemax: one workgroup per (batch, channel, row r) of a (B, C, L, L) map;
 * entries c <= r are the row (nothing above the diagonal is read, so NaN there never matters), the rest
 * of the output row is 0. `inPlace` reads and writes one buffer (pre mode activates the convolution
 * output where it lies); otherwise `src` -> `dst`.
 *
 * Sparsemax finds tau like the cpu kernel: start from the entries above max - 1, then Michelot's
 * fixed point (tau only grows, the support only shrinks) until the support stops changing. It works on
 * z = x - max: with x near 1e16, max - 1 rounds to max in float32 and the support would be empty.
 *
 * Non-finite rows are decided first, by the bits, for both activations (WGSL's max() and comparisons may
 * drop a NaN, a +Inf makes sparsemax's tau +Inf and max(Inf - Inf, 0) is 0, and a softmax row holding +Inf
 * came out finite on SwiftShader): a row with a NaN or +Inf, or with only -Inf, is all NaN, as on the cpu; -Inf entries of any
 * other row get 0.
 *
 * `storage`: of the source and destination maps (map-storage.ts). A packed (float16) destination is never the
 * source (not `inPlace`; pre mode activates an f32 scratch into it) and its rows are contiguous (stride 1).
 * Its row is stored as whole words from `rowValue(c)`, which reads the row's statistics from private variables.
 */
export interface RowStorage {
  readonly src: MapStorage;
  readonly dst: MapStorage;
  /** Test instrumentation of a packed destination's stores (map-storage.ts, WrittenMap.ledger): binding 2. */
  readonly ledger?: boolean;
}

const F32_ROWS: RowStorage = { src: 'f32', dst: 'f32' };

export const rowActivationShader = memoizeShaderSource(function rowActivationShader(g: MtaGeometry, channels: number, workgroupSize: number, inPlace: boolean, storage: RowStorage = F32_ROWS): string {
  return rowActivationWgsl(mtaRows(g, channels, workgroupSize), g.sparse ? 'sparsemax' : 'softmax', workgroupSize, inPlace, storage);
});

/** Softmax or sparsemax of the rows of `layout` (the non-finite rule and tau search as described above). */
export function rowActivationWgsl(layout: RowLayout, activation: 'softmax' | 'sparsemax', workgroupSize: number, inPlace: boolean,
  storage: RowStorage = F32_ROWS): string {
  const packed = storage.dst === 'f16';
  if (inPlace && (storage.src !== 'f32' || packed)) throw new Error('webgpu MTA: an in-place activation runs on an f32 map only');
  if (packed && layout.stride !== 1) throw new Error('webgpu MTA: a packed activation writes contiguous rows only');
  // Rows of odd width start mid-word every other row: their boundary words have two writers (map-storage.ts).
  const shared = layout.width % 2 === 1;
  const src = inPlace ? 'x' : 'src';
  const dst = inPlace ? 'x' : 'dst';
  const load = (index: string): string => mapLoad(src, storage.src, index);
  const bindings = inPlace
    ? '@group(0) @binding(0) var<storage, read_write> x: array<f32>;'
    : `${mapInput(0, 'src', storage.src)}
${mapOutput(1, 'dst', storage.dst, shared)}`;
  const helpers = packedHelpers([['src', storage.src]], { name: 'dst', storage: storage.dst, shared, ...(storage.ledger ? { ledger: 2 } : {}) });
  // A packed destination: the row's values come from rowValue(c), which reads what the row's branch left in these.
  const rowValue = `var<private> rowBase: u32;
var<private> rowN: u32;
var<private> rowNan: bool;
var<private> rowM: f32;
var<private> rowK: f32;
fn rowValue(c: u32) -> f32 {
  if (c >= rowN) { return 0.0; }
  if (rowNan) { return fromBits(0x7fc00000u); }
  ${activation === 'sparsemax' ? `return max(${load('rowBase + c')} - rowM - rowK, 0.0);` : `return exp(${load('rowBase + c')} - rowM) * rowK;`}
}`;
  const store = packedRowStore('dst', shared);
  // Decided by the bits before any arithmetic (see above); every invocation reaches the uniform branch.
  const nonFiniteRow = `
  var nanOrInf = 0.0;
  var negInf = 0.0;
  for (var c = lid; c < n; c += WG) {
    let bits = bitcast<u32>(${load('base + c * STRIDE')});
    let magnitude = bits & 0x7fffffffu;
    if (magnitude > 0x7f800000u || bits == 0x7f800000u) { nanOrInf += 1.0; }
    if (bits == 0xff800000u) { negInf += 1.0; }
  }
  red2[lid] = vec2<f32>(nanOrInf, negInf);
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red2[lid] = red2[lid] + red2[lid + s]; }
    workgroupBarrier();
  }
  let nonFinite = workgroupUniformLoad(&red2[0]);
  workgroupBarrier(); // every invocation has read red2[0] before the activation writes it again
  if (nonFinite.x > 0.0 || nonFinite.y == f32(n)) {
    ${packed ? `rowNan = true;
    ${store}` : `for (var c = lid; c < WIDTH; c += WG) { ${dst}[base + c * STRIDE] = select(0.0, fromBits(0x7fc00000u), c < n); }`}
    return;
  }`;
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
  for (var c = lid; c < n; c += WG) { total += exp(${load('base + c * STRIDE')} - m); }
  red[lid] = total;
  ${TREE_SUM}
  let inv = 1.0 / red[0];
  ${packed ? `rowM = m;
  rowK = inv;
  ${store}` : `for (var c = lid; c < WIDTH; c += WG) {
    if (c < n) { ${dst}[base + c * STRIDE] = exp(${load('base + c * STRIDE')} - m) * inv; } else { ${dst}[base + c * STRIDE] = 0.0; }
  }`}`;
  const sparsemax = `
  red2[lid] = vec2<f32>(rowMax, 0.0);
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red2[lid] = vec2<f32>(max(red2[lid].x, red2[lid + s].x), 0.0); }
    workgroupBarrier();
  }
  let m = workgroupUniformLoad(&red2[0]).x;
  var tau = -1.0;
  var count = 0.0;
  for (var iteration = 0u; iteration <= WIDTH; iteration++) {
    var part = vec2<f32>(0.0, 0.0);
    for (var c = lid; c < n; c += WG) {
      let v = ${load('base + c * STRIDE')} - m;
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
  ${packed ? `rowM = m;
  rowK = tau;
  ${store}` : `for (var c = lid; c < WIDTH; c += WG) {
    if (c < n) { ${dst}[base + c * STRIDE] = max(${load('base + c * STRIDE')} - m - tau, 0.0); } else { ${dst}[base + c * STRIDE] = 0.0; }
  }`}`;
  return `${layout.constants}
const WIDTH: u32 = ${layout.width}u;
const STRIDE: u32 = ${layout.stride}u;
${bindings}
var<workgroup> red: array<f32, ${workgroupSize}>;
var<workgroup> red2: array<vec2<f32>, ${workgroupSize}>;
const ROWS: u32 = ${layout.rows}u;
// The bits as a parameter, so that the NaN is made at run time: WGSL rejects a NaN constant expression.
fn fromBits(b: u32) -> f32 { return bitcast<f32>(b); }${helpers ? `\n${helpers}` : ''}${packed ? `\n${rowValue}` : ''}
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let row = linearGroup(wg, groups);
  if (row >= ROWS) { return; }
  let n = ${layout.n};
  let base = ${layout.base};
  var rowMax = -3.0e38;${packed ? '\n  rowBase = base;\n  rowN = n;' : ''}
  for (var c = lid; c < n; c += WG) { rowMax = max(rowMax, ${load('base + c * STRIDE')}); }
  ${nonFiniteRow}
  ${activation === 'sparsemax' ? sparsemax : softmax}
}`;
}
