import { memoizeShaderSource } from '@mta/device-webgpu';
import type { MtaGeometry } from '../../geometry.js';
import { ENTRY_PARAMS, geometryConstants } from './constants.js';

/**
 * The row passes (activation and its VJP) with the row held in registers: one workgroup per (batch, channel,
 * row i), each invocation loading its vec4 words of the row once, so the row is read from memory once and
 * written once, where the streaming shaders (row-activation-shader.ts, row-vjp-shader.ts) read it again for
 * every statistic. Same rules: entries c <= i are the row, the rest is written as 0 and never read (a word
 * that straddles the diagonal has its masked lanes replaced by `select`, no arithmetic on them); non-finite
 * rows are decided by the bits first (a NaN or +Inf, or only -Inf, makes the row NaN); sparsemax finds tau by
 * the same fixed point on x - max.
 *
 * Measured on the H200 (L = 4096, B = 2, C = 4, the pass alone, 20 back-to-back dispatches): softmax
 * 0.246 against 0.413 ms, its VJP 0.271 against 0.366 ms (tools/gpu-kernels.ts).
 *
 * For float32 maps with L a multiple of 4 and rows of at most MAX_WORDS vec4 words per invocation.
 */
const MAX_WORDS = 8;

export function useQuadRows(g: MtaGeometry, workgroupSize: number): boolean {
  return g.dtype !== 'float16' && g.L % 4 === 0 && wordsPerInvocation(g, workgroupSize) <= MAX_WORDS;
}

const wordsPerInvocation = (g: MtaGeometry, workgroupSize: number): number => Math.ceil(g.L / 4 / workgroupSize);

/** Declarations every quad row shader shares: the row's place and its words' loop. */
function rowFrame(g: MtaGeometry, channels: number, workgroupSize: number): string {
  return `${geometryConstants(g, workgroupSize)}
const QUADS: u32 = ${g.L / 4}u;
const V: u32 = ${wordsPerInvocation(g, workgroupSize)}u;
const ROWS: u32 = ${g.B * channels * g.L}u;
fn fromBits(b: u32) -> f32 { return bitcast<f32>(b); }
/** Lane k of word q is in the causal row i. */
fn lanesIn(q: u32, i: u32) -> vec4<bool> { return vec4<u32>(4u * q) + vec4<u32>(0u, 1u, 2u, 3u) <= vec4<u32>(i); }`;
}

const ROW_START = `
  let row = linearGroup(wg, groups);
  if (row >= ROWS) { return; }
  let i = row % L;
  let base = row * QUADS;`;

/** A tree over `red` (vec4 entries) combining with `combine(a, b)`; every invocation must reach it. */
const tree = (red: string, combine: string): string => `
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { let a = ${red}[lid]; let b = ${red}[lid + s]; ${red}[lid] = ${combine}; }
    workgroupBarrier();
  }`;

/** Softmax or sparsemax of the causal rows of a (B, channels, L, L) map; `inPlace` activates x where it lies. */
export const quadRowActivationShader = memoizeShaderSource(function quadRowActivationShader(g: MtaGeometry, channels: number, workgroupSize: number, inPlace: boolean): string {
  const [src, dst] = inPlace ? ['x', 'x'] : ['src', 'dst'];
  const bindings = inPlace
    ? '@group(0) @binding(0) var<storage, read_write> x: array<vec4<f32>>;'
    : `@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;`;
  const softmax = `
  var total = 0.0;
  for (var k = 0u; k < V; k++) {
    let e = exp(v[k] - vec4<f32>(m));
    v[k] = e;
    total += e.x + e.y + e.z + e.w;
  }
  red[lid] = vec4<f32>(total, 0.0, 0.0, 0.0);
  ${tree('red', 'a + b')}
  let scale = 1.0 / red[0].x;
  for (var k = 0u; k < V; k++) {
    let q = lid + k * WG;
    if (q < QUADS) { ${dst}[base + q] = select(vec4<f32>(0.0), v[k] * scale, lanesIn(q, i)); }
  }`;
  // v holds x - max (-Inf off the row): entries above tau form the support.
  const sparsemax = `
  for (var k = 0u; k < V; k++) { v[k] = v[k] - vec4<f32>(m); }
  var tau = -1.0;
  var count = 0.0;
  for (var iteration = 0u; iteration <= L; iteration++) {
    var part = vec4<f32>(0.0);
    for (var k = 0u; k < V; k++) {
      let above = v[k] > vec4<f32>(tau);
      let ones = select(vec4<f32>(0.0), vec4<f32>(1.0), above);
      part += vec4<f32>(dot(ones, vec4<f32>(1.0)), dot(select(vec4<f32>(0.0), v[k], above), vec4<f32>(1.0)), 0.0, 0.0);
    }
    red[lid] = part;
    ${tree('red', 'a + b')}
    let support = workgroupUniformLoad(&red[0]);
    if (support.x == count || support.x == 0.0) { break; }
    count = support.x;
    tau = (support.y - 1.0) / support.x;
  }
  for (var k = 0u; k < V; k++) {
    let q = lid + k * WG;
    if (q < QUADS) { ${dst}[base + q] = select(vec4<f32>(0.0), max(v[k] - vec4<f32>(tau), vec4<f32>(0.0)), lanesIn(q, i)); }
  }`;
  return `${rowFrame(g, channels, workgroupSize)}
${bindings}
var<workgroup> red: array<vec4<f32>, ${workgroupSize}>;
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {${ROW_START}
  let negInf = fromBits(0xff800000u);
  var v: array<vec4<f32>, ${wordsPerInvocation(g, workgroupSize)}>;
  // Statistics of the row, decided by the bits (x: max, y: NaN or +Inf entries, z: -Inf entries).
  var stats = vec4<f32>(negInf, 0.0, 0.0, 0.0);
  for (var k = 0u; k < V; k++) {
    let q = lid + k * WG;
    var word = vec4<f32>(negInf);
    if (q < QUADS && 4u * q <= i) {
      let inRow = lanesIn(q, i);
      word = select(vec4<f32>(negInf), ${src}[base + q], inRow);
      let bits = bitcast<vec4<u32>>(word);
      let nanOrInf = ((bits & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u)) | (bits == vec4<u32>(0x7f800000u));
      let isNegInf = (bits == vec4<u32>(0xff800000u)) & inRow;
      stats = vec4<f32>(max(stats.x, max(max(word.x, word.y), max(word.z, word.w))),
        stats.y + dot(select(vec4<f32>(0.0), vec4<f32>(1.0), nanOrInf), vec4<f32>(1.0)),
        stats.z + dot(select(vec4<f32>(0.0), vec4<f32>(1.0), isNegInf), vec4<f32>(1.0)), 0.0);
    }
    v[k] = word;
  }
  red[lid] = stats;
  ${tree('red', 'vec4<f32>(max(a.x, b.x), a.y + b.y, a.z + b.z, 0.0)')}
  let rowStats = workgroupUniformLoad(&red[0]);
  workgroupBarrier(); // every invocation has read red[0] before it is written again
  if (rowStats.y > 0.0 || rowStats.z == f32(i + 1u)) {
    for (var k = 0u; k < V; k++) {
      let q = lid + k * WG;
      if (q < QUADS) { ${dst}[base + q] = select(vec4<f32>(0.0), vec4<f32>(fromBits(0x7fc00000u)), lanesIn(q, i)); }
    }
    return;
  }
  let m = rowStats.x;
  ${g.sparse ? sparsemax : softmax}
}`;
});

/**
 * The activation's VJP over the causal rows, rows in registers (see row-vjp-shader.ts for the formulas):
 * softmax p * (g - sum(p * g)); sparsemax g - mean of g over {p > 0} on that support. `inPlace`: g is read
 * from and the result written to one buffer; otherwise p, g -> out.
 */
export const quadRowVjpShader = memoizeShaderSource(function quadRowVjpShader(g: MtaGeometry, channels: number, workgroupSize: number, inPlace: boolean): string {
  const [gIn, out] = inPlace ? ['gx', 'gx'] : ['gin', 'dst'];
  const bindings = inPlace
    ? `@group(0) @binding(0) var<storage, read> p: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> gx: array<vec4<f32>>;`
    : `@group(0) @binding(0) var<storage, read> p: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> gin: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;`;
  const [part, result] = g.sparse
    ? ['vec4<f32>(dot(select(vec4<f32>(0.0), vec4<f32>(1.0), pk > vec4<f32>(0.0)), vec4<f32>(1.0)), dot(select(vec4<f32>(0.0), gk, pk > vec4<f32>(0.0)), vec4<f32>(1.0)), 0.0, 0.0)',
      'select(vec4<f32>(0.0), gv[k] - vec4<f32>(k0), pv[k] > vec4<f32>(0.0))']
    : ['vec4<f32>(dot(pk, gk), 0.0, 0.0, 0.0)', 'pv[k] * (gv[k] - vec4<f32>(k0))'];
  const statistic = g.sparse ? 'select(0.0, sums.y / sums.x, sums.x > 0.0)' : 'sums.x';
  return `${rowFrame(g, channels, workgroupSize)}
${bindings}
var<workgroup> red: array<vec4<f32>, ${workgroupSize}>;
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {${ROW_START}
  var pv: array<vec4<f32>, ${wordsPerInvocation(g, workgroupSize)}>;
  var gv: array<vec4<f32>, ${wordsPerInvocation(g, workgroupSize)}>;
  var sum = vec4<f32>(0.0);
  for (var k = 0u; k < V; k++) {
    let q = lid + k * WG;
    var pk = vec4<f32>(0.0);
    var gk = vec4<f32>(0.0);
    if (q < QUADS && 4u * q <= i) {
      let inRow = lanesIn(q, i);
      pk = select(vec4<f32>(0.0), p[base + q], inRow);
      gk = select(vec4<f32>(0.0), ${gIn}[base + q], inRow);
    }
    pv[k] = pk;
    gv[k] = gk;
    sum += ${part};
  }
  red[lid] = sum;
  ${tree('red', 'a + b')}
  let sums = red[0];
  let k0 = ${statistic};
  for (var k = 0u; k < V; k++) {
    let q = lid + k * WG;
    if (q < QUADS) { ${out}[base + q] = select(vec4<f32>(0.0), ${result}, lanesIn(q, i)); }
  }
}`;
});
