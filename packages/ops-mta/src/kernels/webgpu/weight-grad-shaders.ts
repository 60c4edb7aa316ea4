import type { MtaGeometry } from '../../geometry.js';
import { ENTRY_PARAMS, geometryConstants, TREE_SUM } from './constants.js';

/**
 * The weight and bias gradients, reduced without float32's accumulation error growing with the map:
 * pass 1 gives each workgroup one (co, cil) pair and one chunk of the B*L output rows; every invocation
 * keeps compensated (Kahan) sums per tap, the workgroup adds them as a tree and writes one partial per
 * tap (and, for cil = 0, the bias). Pass 2 adds a slot's partials over the chunks the same way.
 *
 *   dW[co, cil, kh, kw] = sum over b, i, j <= i of gy[b, co, i, j] * x[b, ci, i - pt + kh*dh, j - pl + kw*dw]
 *   db[co]              = sum over b, i, j <= i of gy[b, co, i, j]
 * with x read only on or below its diagonal (P, or the scores masked to zero).
 *
 * In pre mode the bias gradient is exactly zero: the bias moves every unmasked entry of a row by the same
 * amount before softmax or sparsemax, which are invariant under such a shift. Summing the rounded
 * row gradients would give float32 round-off (~1e-8 of ||grad_out||) instead, so pass 2 writes the zero.
 */
export interface WeightGradPlan {
  /** Row chunks per (co, cil) pair. */
  readonly chunks: number;
  /** Output rows (b, i) per chunk. */
  readonly rowsPerChunk: number;
  /** Partial slots per (pair, chunk): the taps, then the bias. */
  readonly slots: number;
  readonly partialCount: number;
}

/** Enough workgroups to fill a GPU (a few thousand), each with at least one row; depends on the geometry only. */
export function planWeightGrad(g: MtaGeometry, targetWorkgroups = 4096): WeightGradPlan {
  const pairs = g.Cout * g.cig;
  const rows = g.B * g.L;
  const chunks = Math.max(1, Math.min(rows, Math.ceil(targetWorkgroups / pairs)));
  const rowsPerChunk = Math.ceil(rows / chunks);
  const used = Math.ceil(rows / rowsPerChunk);
  const slots = g.kH * g.kW + 1;
  return { chunks: used, rowsPerChunk, slots, partialCount: pairs * used * slots };
}

/**
 * Pass 1. Taps are unrolled with their own scalar sums (constant indices keep them in registers), and
 * the workgroup reduces as many slots at once as its storage holds (`workgroupStorageBytes`, from the
 * adapter), so a batch of slots costs one tree's barriers rather than one tree per slot.
 */
export function weightGradPartialsShader(g: MtaGeometry, plan: WeightGradPlan, workgroupSize: number, workgroupStorageBytes: number): string {
  const taps = g.kH * g.kW;
  const slotsAtOnce = Math.max(1, Math.min(plan.slots, Math.floor(workgroupStorageBytes / 2 / (4 * workgroupSize))));
  const kahan = (t: number, value: string): string =>
    `{ let v = ${value} - comp${t}; let s = sum${t} + v; comp${t} = (s - sum${t}) - v; sum${t} = s; }`;
  const tapCode: string[] = [];
  for (let kh = 0; kh < g.kH; kh++) {
    const r = `i - PT + ${kh * g.dh}`;
    tapCode.push(`    { let r = ${r};`, '      if (r >= 0 && r < IL) {', '        let xRow = xBase + u32(r) * L;');
    for (let kw = 0; kw < g.kW; kw++) {
      tapCode.push(`        { let c = j - PL + ${kw * g.dw}; if (c >= 0 && c <= r) ${kahan(kh * g.kW + kw, 'gv * x[xRow + u32(c)]')} }`);
    }
    tapCode.push('      }', '    }');
  }
  const slotIndices = Array.from({ length: plan.slots }, (_, t) => t);
  const declarations = slotIndices.map((t) => `  var sum${t} = 0.0;\n  var comp${t} = 0.0;`).join('\n');
  const reductions: string[] = [];
  for (let first = 0; first < plan.slots; first += slotsAtOnce) {
    const batch = slotIndices.slice(first, first + slotsAtOnce);
    reductions.push(
      ...batch.map((t, k) => `  red[${k}u * WG + lid] = sum${t} - comp${t};`),
      '  workgroupBarrier();',
      '  for (var s = WG / 2u; s > 0u; s = s >> 1u) {',
      '    if (lid < s) {',
      ...batch.map((_, k) => `      red[${k}u * WG + lid] += red[${k}u * WG + lid + s];`),
      '    }',
      '    workgroupBarrier();',
      '  }',
      '  if (lid == 0u) {',
      ...batch.map((t, k) => `    partials[item * SLOTS + ${t}u] = red[${k}u * WG];`),
      '  }',
      '  workgroupBarrier();',
    );
  }
  return `${geometryConstants(g, workgroupSize)}
@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;
const CHUNKS: u32 = ${plan.chunks}u;
const ROWS_PER_CHUNK: u32 = ${plan.rowsPerChunk}u;
const SLOTS: u32 = ${plan.slots}u;
const PAIRS: u32 = ${g.Cout * g.cig}u;
var<workgroup> red: array<f32, ${slotsAtOnce * workgroupSize}>;
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let item = linearGroup(wg, groups);
  if (item >= PAIRS * CHUNKS) { return; }
  let pair = item / CHUNKS;
  let chunk = item % CHUNKS;
  let co = pair / CIG;
  let cil = pair % CIG;
  let ci = (co / COG) * CIG + cil;
${declarations}
  let firstRow = chunk * ROWS_PER_CHUNK;
  let lastRow = min(firstRow + ROWS_PER_CHUNK, B * L);
  for (var rowIndex = firstRow; rowIndex < lastRow; rowIndex++) {
   let b = rowIndex / L;
   let i = i32(rowIndex % L);
   let xBase = (b * CIN + ci) * LL;
   let gBase = (b * COUT + co) * LL + u32(i) * L;
   // Only the causal part j <= i of a row: the rest of gy is masked.
   for (var j = i32(lid); j <= i; j += i32(WG)) {
    let gv = gy[gBase + u32(j)];
${tapCode.join('\n')}
    ${kahan(taps, 'gv')}
   }
  }
${reductions.join('\n')}
}`;
}

/** Pass 2: one workgroup per weight element (then per bias element) adds its partials over the chunks. */
export function weightGradReduceShader(g: MtaGeometry, plan: WeightGradPlan, workgroupSize: number): string {
  return `${geometryConstants(g, workgroupSize)}
@group(0) @binding(0) var<storage, read> partials: array<f32>;
@group(0) @binding(1) var<storage, read_write> gradWeight: array<f32>;
${g.hasBias ? '@group(0) @binding(2) var<storage, read_write> gradBias: array<f32>;' : ''}
const CHUNKS: u32 = ${plan.chunks}u;
const SLOTS: u32 = ${plan.slots}u;
const W_ELEMS: u32 = ${g.wElems}u;
const OUTPUTS: u32 = ${g.wElems + (g.hasBias ? g.Cout : 0)}u;
var<workgroup> red: array<f32, ${workgroupSize}>;
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let o = linearGroup(wg, groups);
  if (o >= OUTPUTS) { return; }
  var pair: u32;
  var slot: u32;
  if (o < W_ELEMS) { pair = o / TAPS; slot = o % TAPS; } else { pair = (o - W_ELEMS) * CIG; slot = TAPS; }
  var sum = 0.0;
  var comp = 0.0;
  for (var chunk = lid; chunk < CHUNKS; chunk += WG) {
    let v = partials[(pair * CHUNKS + chunk) * SLOTS + slot] - comp;
    let s = sum + v;
    comp = (s - sum) - v;
    sum = s;
  }
  red[lid] = sum - comp;
  ${TREE_SUM}
  if (lid == 0u) {
    if (o < W_ELEMS) { gradWeight[o] = red[0]; }${g.hasBias ? ` else { gradBias[o - W_ELEMS] = ${g.mode === 'pre' ? '0.0' : 'red[0]'}; }` : ''}
  }
}`;
}
