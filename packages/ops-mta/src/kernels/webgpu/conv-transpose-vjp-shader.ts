import type { MtaGeometry } from '../../geometry.js';
import { ENTRY_PARAMS, geometryConstants } from './constants.js';

/**
 * The post-mode backward's first two passes in one: the transposed convolution dP = convT(mask0(G), W)
 * and the activation's VJP dS = vjp(P, dP), one workgroup per (batch, input channel, row r). The row's dP
 * stays in registers (each invocation holds the entries c = lid + k * WG), so dP never goes to memory:
 * the separate passes wrote it (one map) and read it back (another), on top of G and P, which both
 * versions read, and dS, which both write.
 *
 *   dP[b, ci, r, c] = sum over the group's output channels co and taps of
 *                     w[co, cil, kh, kw] * G[b, co, r + pt - kh*dh, c + pl - kw*dw]   (G read only where j <= i)
 *   softmax:   dS = P * (dP - sum(P * dP));   sparsemax: dS = dP - mean of dP over {P > 0} on it, 0 off it
 * Entries above the diagonal (c > r) are written as 0.
 *
 * Holding a row needs ceil(L / WG) registers per invocation; `fitsConvTransposeVjp` says when that is small
 * enough (beyond it, the two passes run).
 */
const MAX_ITEMS = 32;

export function fitsConvTransposeVjp(g: MtaGeometry, workgroupSize: number): boolean {
  return g.mode === 'post' && Math.ceil(g.L / workgroupSize) <= MAX_ITEMS;
}

export function convTransposeVjpShader(g: MtaGeometry, workgroupSize: number): string {
  const items = Math.ceil(g.L / workgroupSize);
  const reduceBody = g.sparse
    ? `if (p > 0.0) { part += vec2<f32>(1.0, dp[k]); }`
    : `part.x += p * dp[k];`;
  const result = g.sparse
    ? `select(0.0, dp[k] - mean, p > 0.0)`
    : `p * (dp[k] - dot)`;
  return `${geometryConstants(g, workgroupSize)}
@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> probs: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
const ITEMS: u32 = ${items}u;
const ROWS: u32 = ${g.B * g.Cin * g.L}u;
var<workgroup> red2: array<vec2<f32>, ${workgroupSize}>;
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let row = linearGroup(wg, groups);
  if (row >= ROWS) { return; }
  let r = i32(row % L);
  let ci = (row / L) % CIN;
  let b = row / (L * CIN);
  let grp = ci / CIG;
  let cil = ci % CIG;
  let base = row * L;
  var dp: array<f32, ${items}>;
  var part = vec2<f32>(0.0, 0.0);
  for (var k = 0u; k < ITEMS; k++) {
    let c = i32(lid + k * WG);
    if (c > r) { continue; }
    var acc = 0.0;
    for (var m = 0u; m < COG; m++) {
      let co = grp * COG + m;
      let gBase = (b * COUT + co) * LL;
      let wBase = (co * CIG + cil) * TAPS;
      for (var kh = 0; kh < i32(KH); kh++) {
        let i = r + PT - kh * DH;
        if (i < 0 || i >= IL) { continue; }
        for (var kw = 0; kw < i32(KW); kw++) {
          let j = c + PL - kw * DW;
          if (j < 0 || j > i) { continue; }
          acc += w[wBase + u32(kh) * KW + u32(kw)] * gy[gBase + u32(i) * L + u32(j)];
        }
      }
    }
    dp[k] = acc;
    let p = probs[base + u32(c)];
    ${reduceBody}
  }
  red2[lid] = part;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red2[lid] = red2[lid] + red2[lid + s]; }
    workgroupBarrier();
  }
  let total = red2[0];
  ${g.sparse ? 'let mean = select(0.0, total.y / total.x, total.x > 0.0);' : 'let dot = total.x;'}
  for (var k = 0u; k < ITEMS; k++) {
    let c = lid + k * WG;
    if (c >= L) { break; }
    if (i32(c) > r) { dx[base + c] = 0.0; continue; }
    let p = probs[base + c];
    dx[base + c] = ${result};
  }
}`;
}
