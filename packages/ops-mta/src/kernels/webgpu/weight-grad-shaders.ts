import { memoizeShaderSource } from '@mta/device-webgpu';
import type { MtaGeometry } from '../../geometry.js';
import { ENTRY_PARAMS, geometryConstants, TREE_SUM } from './constants.js';
import { mapInput, mapLoad, packedHelpers, type MapStorage } from './map-storage.js';

/**
 * The weight and bias gradients, reduced without float32's accumulation error growing with the map:
 * pass 1 gives each workgroup one output channel co, a block of its group's input channels and one chunk
 * of the B*L output rows; every invocation keeps compensated (Kahan) sums per (channel, tap) and for the
 * bias, the workgroup adds them as a tree and writes one partial per (co, cil, tap) and the bias. Pass 2 adds a slot's partials over the chunks the same way.
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
  /**
   * 'channels': each workgroup takes one chunk of rows for every (co, ci) pair, an invocation per (input
   * channel, column stride) keeping the sums of all its group's output channels (weightGradChannelsShader);
   * 'pairs': each workgroup takes one (co, block of cil) and one chunk (weightGradPartialsShader).
   */
  readonly kind: 'channels' | 'pairs';
  /** Input channels of a group one workgroup handles together (a divisor of cig): each gy value it loads serves them all. */
  readonly cilBlock: number;
  /** Row chunks per (co, channel block). */
  readonly chunks: number;
  /** Output rows (b, i) per chunk. */
  readonly rowsPerChunk: number;
  /** Partial slots per (pair, chunk): the taps, then the bias. */
  readonly slots: number;
  /** Pass-1 workgroups: Cout * (cig / cilBlock) * chunks. */
  readonly workgroups: number;
  readonly partialCount: number;
}

/**
 * Per-invocation compensated sums pass 1 may keep (two registers each): one input channel's taps and the
 * bias. Measured on the H200 (GPU timestamps, L = 4096, B = 2, C = 4, 3x3): 10 sums (one channel per
 * workgroup) 6.2 ms, 20 sums 6.6 ms, 40 sums (all four channels) 12.9 ms; more channels per workgroup save
 * re-reads of the gradient but the register pressure cost more.
 */
const MAX_SUMS = 10;

/**
 * Enough workgroups to fill a GPU (a few thousand), each with at least one row, and as many input channels
 * per workgroup as the register budget allows; depends on the geometry only, so results are deterministic.
 */
export function planWeightGrad(g: MtaGeometry, workgroupSize: number, targetWorkgroups = 4096): WeightGradPlan {
  return useChannelsWeightGrad(g, workgroupSize) ? planChannelsWeightGrad(g, targetWorkgroups) : planPairsWeightGrad(g, targetWorkgroups);
}

/** The channels form's plan: one workgroup per chunk of rows (weightGradChannelsShader). */
export function planChannelsWeightGrad(g: MtaGeometry, targetWorkgroups = 4096): WeightGradPlan {
  const slots = g.kH * g.kW + 1;
  const rows = g.B * g.L;
  const rowsPerChunk = Math.ceil(rows / Math.min(rows, targetWorkgroups));
  const chunks = Math.ceil(rows / rowsPerChunk);
  return { kind: 'channels', cilBlock: g.cig, chunks, rowsPerChunk, slots, workgroups: chunks, partialCount: g.Cout * g.cig * chunks * slots };
}

/** The pairs form's plan: one workgroup per (co, block of cil, chunk of rows) (weightGradPartialsShader); any geometry. */
export function planPairsWeightGrad(g: MtaGeometry, targetWorkgroups = 4096): WeightGradPlan {
  const taps = g.kH * g.kW;
  let cilBlock = 1;
  for (let d = 1; d <= g.cig; d++) if (g.cig % d === 0 && d * taps <= MAX_SUMS) cilBlock = d;
  const blocks = g.Cout * (g.cig / cilBlock);
  const rows = g.B * g.L;
  const chunks = Math.max(1, Math.min(rows, Math.ceil(targetWorkgroups / blocks)));
  const rowsPerChunk = Math.ceil(rows / chunks);
  const used = Math.ceil(rows / rowsPerChunk);
  const slots = taps + 1;
  return { kind: 'pairs', cilBlock, chunks: used, rowsPerChunk, slots, workgroups: blocks * used, partialCount: g.Cout * g.cig * used * slots };
}

/** A compensated (Kahan) step of sum s_NAME with compensation c_NAME. */
const kahan = (name: string, value: string): string =>
  `{ let v = ${value} - c_${name}; let s = s_${name} + v; c_${name} = (s - s_${name}) - v; s_${name} = s; }`;

/** A sum an invocation keeps (s_NAME, c_NAME) and where the workgroup's total of it goes (`guard`: only where that holds). */
interface KeptSum {
  readonly name: string;
  readonly partial: string;
  readonly guard?: string;
}

/**
 * The workgroup's totals of `sums`, `atOnce` at a time (as many as its storage holds, so a batch costs one
 * tree's barriers): a tree over `span` invocations (lane index `lane`, consecutive in `lid`), whose lane 0
 * writes each total to its partial.
 */
function sumReductions(sums: readonly KeptSum[], atOnce: number, span: 'WG' | 'COLS', lane: 'lid' | 'column'): string[] {
  const lines: string[] = [];
  for (let first = 0; first < sums.length; first += atOnce) {
    const batch = sums.slice(first, first + atOnce);
    lines.push(
      ...batch.map((x, k) => `  red[${k}u * WG + lid] = s_${x.name} - c_${x.name};`),
      '  workgroupBarrier();',
      `  for (var s = ${span} / 2u; s > 0u; s = s >> 1u) {`,
      `    if (${lane} < s) {`,
      ...batch.map((_, k) => `      red[${k}u * WG + lid] += red[${k}u * WG + lid + s];`),
      '    }',
      '    workgroupBarrier();',
      '  }',
      `  if (${lane} == 0u) {`,
      ...batch.map((x, k) => `    ${x.guard ? `if (${x.guard}) { ` : ''}partials[${x.partial}] = red[${k}u * WG + lid];${x.guard ? ' }' : ''}`),
      '  }',
      '  workgroupBarrier();',
    );
  }
  return lines;
}

/**
 * Pass 1. Taps (and the block's channels) are unrolled with their own scalar sums (constant indices keep
 * them in registers), and the workgroup reduces as many sums at once as its storage holds
 * (`workgroupStorageBytes`, from the adapter), so a batch costs one tree's barriers rather than one each.
 */
export const weightGradPartialsShader = memoizeShaderSource(function weightGradPartialsShader(g: MtaGeometry, plan: WeightGradPlan, workgroupSize: number, workgroupStorageBytes: number,
  storage: { readonly gy: MapStorage; readonly x: MapStorage } = { gy: 'f32', x: 'f32' }): string {
  const taps = g.kH * g.kW;
  const CB = plan.cilBlock;
  // Every sum this invocation keeps: (channel k of the block, tap t), then the bias; and where each goes.
  const sums: KeptSum[] = [];
  for (let k = 0; k < CB; k++) {
    for (let t = 0; t < taps; t++) sums.push({ name: `${k}_${t}`, partial: `partialAt(firstCil + ${k}u, ${t}u)` });
  }
  sums.push({ name: 'bias', partial: 'partialAt(firstCil, TAPS)' });
  const tapCode: string[] = [];
  for (let k = 0; k < CB; k++) {
    tapCode.push(`    { let xBase = (b * CIN + firstCin + ${k}u) * LL;`);
    for (let kh = 0; kh < g.kH; kh++) {
      tapCode.push(`      { let r = i - PT + ${kh * g.dh};`, '        if (r >= 0 && r < IL) {', '          let xRow = xBase + u32(r) * L;');
      for (let kw = 0; kw < g.kW; kw++) {
        tapCode.push(`          { let c = j - PL + ${kw * g.dw}; if (c >= 0 && c <= r) ${kahan(`${k}_${kh * g.kW + kw}`, `gv * ${mapLoad('x', storage.x, 'xRow + u32(c)')}`)} }`);
      }
      tapCode.push('        }', '      }');
    }
    tapCode.push('    }');
  }
  const helpers = packedHelpers([['gy', storage.gy], ['x', storage.x]]);
  const atOnce = Math.max(1, Math.min(sums.length, Math.floor(workgroupStorageBytes / 2 / (4 * workgroupSize))));
  const reductions = sumReductions(sums, atOnce, 'WG', 'lid');
  return `${geometryConstants(g, workgroupSize)}
${mapInput(0, 'gy', storage.gy)}
${mapInput(1, 'x', storage.x)}
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;${helpers ? `\n${helpers}` : ''}
const CHUNKS: u32 = ${plan.chunks}u;
const ROWS_PER_CHUNK: u32 = ${plan.rowsPerChunk}u;
const SLOTS: u32 = ${plan.slots}u;
const CIL_BLOCKS: u32 = ${g.cig / CB}u;
const ITEMS: u32 = ${plan.workgroups}u;
var<workgroup> red: array<f32, ${atOnce * workgroupSize}>;
var<private> co: u32;
var<private> chunk: u32;
fn partialAt(cil: u32, slot: u32) -> u32 { return ((co * CIG + cil) * CHUNKS + chunk) * SLOTS + slot; }
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let item = linearGroup(wg, groups);
  if (item >= ITEMS) { return; }
  // Consecutive workgroups take the same chunk of rows for every (co, channel block): the maps' rows they
  // share are read while still in L2 (H200, L = 4096 forward+backward wall: 14.3 against 15.5 ms chunk-major).
  chunk = item / (COUT * CIL_BLOCKS);
  let block = item % CIL_BLOCKS;
  co = (item / CIL_BLOCKS) % COUT;
  let firstCil = block * ${CB}u;
  let firstCin = (co / COG) * CIG + firstCil;
${sums.map((x) => `  var s_${x.name} = 0.0;\n  var c_${x.name} = 0.0;`).join('\n')}
  let firstRow = chunk * ROWS_PER_CHUNK;
  let lastRow = min(firstRow + ROWS_PER_CHUNK, B * L);
  for (var rowIndex = firstRow; rowIndex < lastRow; rowIndex++) {
   let b = rowIndex / L;
   let i = i32(rowIndex % L);
   let gBase = (b * COUT + co) * LL + u32(i) * L;
   // Only the causal part j <= i of a row: the rest of gy is masked.
   for (var j = i32(lid); j <= i; j += i32(WG)) {
    let gv = ${mapLoad('gy', storage.gy, 'gBase + u32(j)')};
${tapCode.join('\n')}
    ${kahan('bias', 'gv')}
   }
  }
${reductions.join('\n')}
}`;
});

/**
 * The channels form of pass 1 (plan kind 'channels'): a workgroup takes one chunk of rows for every weight,
 * its invocations split as (input channel ci, column stride): for each position an invocation loads the
 * gradient of each of its group's COG output channels once and ci's window once, and keeps COG * TAPS
 * compensated sums (plus the bias of output channel grp * COG + cil when cil < COG). Against a workgroup
 * per (co, cil) pair, every gradient and probability is loaded once per chunk instead of CIG and COG times.
 * Measured on the H200 (L = 4096, B = 2, C = 4, 3x3, 37 sums, the pass alone): 0.693 against 1.76 ms
 * (tools/gpu-kernels.ts). Partials go where pass 2 reads them for the pairs form: (co, cil, chunk, slot), the
 * bias of co in (co, 0, chunk, TAPS).
 */
const MAX_CHANNEL_SUMS = 40;

export function useChannelsWeightGrad(g: MtaGeometry, workgroupSize: number): boolean {
  const powerOfTwo = (n: number) => (n & (n - 1)) === 0;
  return g.dtype !== 'float16' && workgroupSize % g.Cin === 0 && powerOfTwo(workgroupSize / g.Cin) && g.cog <= g.cig &&
    g.cog * g.kH * g.kW + 1 <= MAX_CHANNEL_SUMS;
}

export const weightGradChannelsShader = memoizeShaderSource(function weightGradChannelsShader(g: MtaGeometry, plan: WeightGradPlan, workgroupSize: number, workgroupStorageBytes: number): string {
  const taps = g.kH * g.kW;
  const sums: KeptSum[] = [];
  for (let k = 0; k < g.cog; k++) {
    for (let t = 0; t < taps; t++) sums.push({ name: `${k}_${t}`, partial: `partialAt(grp * COG + ${k}u, cil, chunk, ${t}u)` });
  }
  sums.push({ name: 'bias', partial: 'partialAt(grp * COG + cil, 0u, chunk, TAPS)', guard: 'cil < COG' });
  const body: string[] = [];
  for (let k = 0; k < g.cog; k++) body.push(`      let g${k} = gy[(b * COUT + grp * COG + ${k}u) * LL + gRow + j];`);
  for (let kh = 0; kh < g.kH; kh++) {
    body.push(`      { let r = i32(i) - PT + ${kh * g.dh}; if (r >= 0 && r < IL) { let xRow = (b * CIN + ci) * LL + u32(r) * L;`);
    for (let kw = 0; kw < g.kW; kw++) {
      const t = kh * g.kW + kw;
      const adds = Array.from({ length: g.cog }, (_, k) => kahan(`${k}_${t}`, `g${k} * xv`)).join(' ');
      body.push(`        { let c = i32(j) - PL + ${kw * g.dw}; if (c >= 0 && c <= r) { let xv = x[xRow + u32(c)]; ${adds} } }`);
    }
    body.push('      } }');
  }
  // The bias of output channel grp * COG + cil, summed by the invocations of input channel cil < COG.
  body.push(`      if (cil < COG) { ${kahan('bias', 'gy[(b * COUT + grp * COG + cil) * LL + gRow + j]')} }`);
  const atOnce = Math.max(1, Math.min(sums.length, 16, Math.floor(workgroupStorageBytes / (4 * workgroupSize))));
  const reductions = sumReductions(sums, atOnce, 'COLS', 'column');
  return `${geometryConstants(g, workgroupSize)}
@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;
const CHUNKS: u32 = ${plan.chunks}u;
const ROWS_PER_CHUNK: u32 = ${plan.rowsPerChunk}u;
const SLOTS: u32 = ${plan.slots}u;
const COLS: u32 = ${workgroupSize / g.Cin}u;
var<workgroup> red: array<f32, ${atOnce * workgroupSize}>;
fn partialAt(co: u32, cil: u32, chunk: u32, slot: u32) -> u32 { return ((co * CIG + cil) * CHUNKS + chunk) * SLOTS + slot; }
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let chunk = linearGroup(wg, groups);
  if (chunk >= CHUNKS) { return; }
  let ci = lid / COLS;
  let column = lid % COLS;
  let grp = ci / CIG;
  let cil = ci % CIG;
${sums.map((x) => `  var s_${x.name} = 0.0;\n  var c_${x.name} = 0.0;`).join('\n')}
  let firstRow = chunk * ROWS_PER_CHUNK;
  let lastRow = min(firstRow + ROWS_PER_CHUNK, B * L);
  for (var rowIndex = firstRow; rowIndex < lastRow; rowIndex++) {
    let b = rowIndex / L;
    let i = rowIndex % L;
    let gRow = i * L;
    // Only the causal part j <= i of a row: the rest of gy is masked.
    for (var j = column; j <= i; j += COLS) {
${body.join('\n')}
    }
  }
${reductions.join('\n')}
}`;
});

/** Where pass 1 left its partials: `count` slabs of batches, each in a region of `regionFloats`. */
export interface PartialRegions {
  readonly count: number;
  readonly regionFloats: number;
}

/** Pass 2: one workgroup per weight element (then per bias element) adds its partials over the chunks and slabs. */
export const weightGradReduceShader = memoizeShaderSource(function weightGradReduceShader(g: MtaGeometry, plan: WeightGradPlan, workgroupSize: number, regions: PartialRegions = { count: 1, regionFloats: 0 }): string {
  return `${geometryConstants(g, workgroupSize)}
@group(0) @binding(0) var<storage, read> partials: array<f32>;
@group(0) @binding(1) var<storage, read_write> gradWeight: array<f32>;
${g.hasBias ? '@group(0) @binding(2) var<storage, read_write> gradBias: array<f32>;' : ''}
const CHUNKS: u32 = ${plan.chunks}u;
const SLOTS: u32 = ${plan.slots}u;
const W_ELEMS: u32 = ${g.wElems}u;
const SLABS: u32 = ${regions.count}u;
const REGION: u32 = ${regions.regionFloats}u;
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
  for (var q = lid; q < SLABS * CHUNKS; q += WG) {
    let chunk = q % CHUNKS;
    let v = partials[(q / CHUNKS) * REGION + (pair * CHUNKS + chunk) * SLOTS + slot] - comp;
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
});
