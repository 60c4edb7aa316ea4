import type { MtaGeometry } from '../../geometry.js';
import { ENTRY_PARAMS, geometryConstants } from './constants.js';

/**
 * The two convolutions of MTA, one invocation per output element, causal masks folded into the loads:
 * an input position (row, col) is read only when col <= row (the masked-to-zero map), so NaN scores above
 * the diagonal are never touched, and outputs above the diagonal are written as 0.
 */

/**
 * y[b, co, i, j] = bias[co] + sum over the group's input channels and taps of
 * w[co, cil, kh, kw] * x[b, ci, i - pt + kh*dh, j - pl + kw*dw] for j <= i; 0 above the diagonal.
 */
export function convForwardShader(g: MtaGeometry, workgroupSize: number): string {
  return `${geometryConstants(g, workgroupSize)}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${g.hasBias ? '@group(0) @binding(3) var<storage, read> bias: array<f32>;' : ''}
const COUNT: u32 = ${g.B * g.Cout * g.L * g.L}u;
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let e = linearGroup(wg, groups) * WG + lid;
  if (e >= COUNT) { return; }
  let j = i32(e % L);
  let i = i32((e / L) % L);
  let co = (e / LL) % COUT;
  let b = e / (LL * COUT);
  if (j > i) { y[e] = 0.0; return; }
  var acc = ${g.hasBias ? 'bias[co]' : '0.0'};
  let firstCin = (co / COG) * CIG;
  for (var cil = 0u; cil < CIG; cil++) {
    let xBase = (b * CIN + firstCin + cil) * LL;
    let wBase = (co * CIG + cil) * TAPS;
    for (var kh = 0; kh < i32(KH); kh++) {
      let r = i - PT + kh * DH;
      if (r < 0 || r >= IL) { continue; }
      for (var kw = 0; kw < i32(KW); kw++) {
        let c = j - PL + kw * DW;
        if (c < 0 || c > r) { continue; }
        acc += w[wBase + u32(kh) * KW + u32(kw)] * x[xBase + u32(r) * L + u32(c)];
      }
    }
  }
  y[e] = acc;
}`;
}

/**
 * The transposed convolution: dx[b, ci, r, c] = sum over the group's output channels and taps of
 * w[co, cil, kh, kw] * gy[b, co, r + pt - kh*dh, c + pl - kw*dw], reading gy only on or below its
 * diagonal (gy is the masked output gradient); 0 above the diagonal of dx.
 */
export function convTransposeShader(g: MtaGeometry, workgroupSize: number): string {
  return `${geometryConstants(g, workgroupSize)}
@group(0) @binding(0) var<storage, read> gy: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
const COUNT: u32 = ${g.B * g.Cin * g.L * g.L}u;
@compute @workgroup_size(${workgroupSize})
fn main(${ENTRY_PARAMS}) {
  let e = linearGroup(wg, groups) * WG + lid;
  if (e >= COUNT) { return; }
  let c = i32(e % L);
  let r = i32((e / L) % L);
  let ci = (e / LL) % CIN;
  let b = e / (LL * CIN);
  if (c > r) { dx[e] = 0.0; return; }
  var acc = 0.0;
  let group = ci / CIG;
  let cil = ci % CIG;
  for (var k = 0u; k < COG; k++) {
    let co = group * COG + k;
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
  dx[e] = acc;
}`;
}
