import type { MtaGeometry } from '../../geometry.js';
import { ENTRY_PARAMS, geometryConstants } from './constants.js';
import { mapInput, mapLoad, packedHelpers, type MapStorage } from './map-storage.js';
import type { WeightGradPlan } from './weight-grad-shaders.js';

/**
 * The weight and bias gradients' pass 1 over tiles staged in workgroup memory. A workgroup takes tiles of
 * R output rows x TJ columns in turn; for each it loads the tile of gy for every output channel and the
 * tile of x (with the taps' halo) for every input channel once, then each invocation adds, for the
 * weight element (or bias) it owns, its products over the tile's positions into a compensated (Kahan) sum.
 * Every map element is read from memory about once (the row-streaming pass read gy once per input channel
 * and x once per output channel), and an invocation keeps one or a few sums instead of a channel's taps.
 * After its last tile a workgroup writes one partial per weight element and bias, in the layout of
 * `weightGradReduceShader` (one chunk per workgroup), which adds them over the workgroups.
 *
 *   dW[co, cil, kh, kw] = sum over b, i, j <= i of gy[b, co, i, j] * x[b, ci, i - pt + kh*dh, j - pl + kw*dw]
 *   db[co]              = sum over b, i, j <= i of gy[b, co, i, j]
 * with gy read only on or below its diagonal and x only where c <= r (masked entries count as 0).
 */
export interface TiledWeightGradPlan extends WeightGradPlan {
  readonly tileRows: number;
  readonly tileCols: number;
}

/** Sums one invocation may own (each a Kahan pair); more and the row-streaming pass runs instead. */
const MAX_SUMS_PER_INVOCATION = 4;
/** Workgroups pass 1 uses at most: enough to fill a large GPU, few enough that pass 2 stays cheap. */
const MAX_WORKGROUPS = 2048;

/** The tiled plan for this geometry, or null when its tiles or sums do not fit the adapter (the caller falls back). */
export function planTiledWeightGrad(g: MtaGeometry, workgroupSize: number, workgroupStorageBytes: number): TiledWeightGradPlan | null {
  const taps = g.kH * g.kW;
  const sums = g.Cout * g.cig * taps + g.Cout;
  if (Math.ceil(sums / workgroupSize) > MAX_SUMS_PER_INVOCATION) return null;
  const floats = Math.floor(workgroupStorageBytes / 4);
  for (const [tileRows, tileCols] of [[4, 64], [4, 32], [2, 32], [1, 32]] as const) {
    const xRows = tileRows + (g.kH - 1) * g.dh;
    const xCols = tileCols + (g.kW - 1) * g.dw;
    if (g.Cout * tileRows * tileCols + g.Cin * xRows * xCols > floats) continue;
    const tiles = g.B * Math.ceil(g.L / tileRows) * Math.ceil(g.L / tileCols);
    const chunks = Math.max(1, Math.min(tiles, MAX_WORKGROUPS));
    const slots = taps + 1;
    return { cilBlock: g.cig, chunks, rowsPerChunk: 0, slots, workgroups: chunks, partialCount: g.Cout * g.cig * chunks * slots, tileRows, tileCols };
  }
  return null;
}

export function weightGradTiledShader(g: MtaGeometry, plan: TiledWeightGradPlan, workgroupSize: number,
  storage: { readonly gy: MapStorage; readonly x: MapStorage } = { gy: 'f32', x: 'f32' }): string {
  const R = plan.tileRows;
  const TJ = plan.tileCols;
  const xRows = R + (g.kH - 1) * g.dh;
  const xCols = TJ + (g.kW - 1) * g.dw;
  const taps = g.kH * g.kW;
  const wSums = g.Cout * g.cig * taps;
  const spt = Math.ceil((wSums + g.Cout) / workgroupSize);
  const helpers = packedHelpers([['gy', storage.gy], ['x', storage.x]]);
  const own = Array.from({ length: spt }, (_, k) => k);
  return `${geometryConstants(g, workgroupSize)}
${mapInput(0, 'gy', storage.gy)}
${mapInput(1, 'x', storage.x)}
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;${helpers ? `\n${helpers}` : ''}
const R: u32 = ${R}u;
const TJ: u32 = ${TJ}u;
const XR: u32 = ${xRows}u;
const XC: u32 = ${xCols}u;
const ROW_TILES: u32 = ${Math.ceil(g.L / R)}u;
const COL_TILES: u32 = ${Math.ceil(g.L / TJ)}u;
const TILES: u32 = B * ROW_TILES * COL_TILES;
const CHUNKS: u32 = ${plan.chunks}u;
const SLOTS: u32 = ${plan.slots}u;
const W_SUMS: u32 = ${wSums}u;
const SUMS: u32 = ${wSums + g.Cout}u;
var<workgroup> gys: array<f32, ${g.Cout * R * TJ}>;
var<workgroup> xs: array<f32, ${g.Cin * xRows * xCols}>;

/** Adds the products of sum s over the staged tile to (sum, comp). */
fn tileSum(s: u32, acc: vec2<f32>) -> vec2<f32> {
  var sum = acc.x;
  var comp = acc.y;
  if (s < W_SUMS) {
    let co = s / (CIG * TAPS);
    let cil = (s / TAPS) % CIG;
    let tap = s % TAPS;
    let kh = tap / KW;
    let kw = tap % KW;
    let ci = (co / COG) * CIG + cil;
    for (var ii = 0u; ii < R; ii++) {
      let gRow = (co * R + ii) * TJ;
      let xRow = (ci * XR + ii + kh * u32(DH)) * XC + kw * u32(DW);
      for (var jj = 0u; jj < TJ; jj++) {
        let v = gys[gRow + jj] * xs[xRow + jj] - comp;
        let t = sum + v;
        comp = (t - sum) - v;
        sum = t;
      }
    }
  } else if (s < SUMS) {
    let co = s - W_SUMS;
    for (var q = 0u; q < R * TJ; q++) {
      let v = gys[co * R * TJ + q] - comp;
      let t = sum + v;
      comp = (t - sum) - v;
      sum = t;
    }
  }
  return vec2<f32>(sum, comp);
}

@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let chunk = linearGroup(wg, groups);
  if (chunk >= CHUNKS) { return; }
${own.map((k) => `  var acc${k} = vec2<f32>(0.0, 0.0);`).join('\n')}
  for (var t = chunk; t < TILES; t += CHUNKS) {
    let cj = t % COL_TILES;
    let ci = (t / COL_TILES) % ROW_TILES;
    let b = t / (COL_TILES * ROW_TILES);
    let i0 = ci * R;
    let j0 = cj * TJ;
    // Every gy entry of a tile right of the diagonal is masked: nothing to add (uniform across the workgroup).
    if (j0 > min(i0 + R - 1u, L - 1u)) { continue; }
    for (var e = lid; e < COUT * R * TJ; e += WG) {
      let jj = e % TJ;
      let ii = (e / TJ) % R;
      let co = e / (R * TJ);
      let i = i0 + ii;
      let j = j0 + jj;
      var v = 0.0;
      if (i < L && j <= i) { v = ${mapLoad('gy', storage.gy, '(b * COUT + co) * LL + i * L + j')}; }
      gys[e] = v;
    }
    for (var e = lid; e < CIN * XR * XC; e += WG) {
      let xc = e % XC;
      let xr = (e / XC) % XR;
      let cin = e / (XR * XC);
      let r = i32(i0 + xr) - PT;
      let c = i32(j0 + xc) - PL;
      var v = 0.0;
      if (r >= 0 && r < IL && c >= 0 && c <= r) { v = ${mapLoad('x', storage.x, '(b * CIN + cin) * LL + u32(r) * L + u32(c)')}; }
      xs[e] = v;
    }
    workgroupBarrier();
${own.map((k) => `    acc${k} = tileSum(lid + ${k}u * WG, acc${k});`).join('\n')}
    workgroupBarrier();
  }
${own.map((k) => `  {
    let s = lid + ${k}u * WG;
    if (s < W_SUMS) {
      partials[((s / TAPS) * CHUNKS + chunk) * SLOTS + s % TAPS] = acc${k}.x - acc${k}.y;
    } else if (s < SUMS) {
      partials[(((s - W_SUMS) * CIG) * CHUNKS + chunk) * SLOTS + TAPS] = acc${k}.x - acc${k}.y;
    }
  }`).join('\n')}
}`;
}
