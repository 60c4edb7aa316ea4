import {
  Conv2d, Conv2dBackpropFilter, Conv2dBackpropInput, registerKernel, type BackpropFilterAttrs, type BackpropInputAttrs, type Conv2dAttrs, type KernelDef, type Tensor,
} from '@mta/core';
import { webgpuContext } from '../active-context.js';
import { ComputeBatch } from '../compute-batch.js';
import { WebgpuDtypeError } from '../errors.js';
import { elementwiseMain, linearIndexPrelude } from './wgsl.js';

/**
 * conv2d (stride 1, NCHW, pads [top, bottom, left, right], dilation, groups) and its two backward ops:
 * direct convolutions, one invocation per output element (forward) or input element (input gradient),
 * and one workgroup per weight element for the filter gradient. These serve the composite paths (MTA
 * written in primitives, the reference the fused kernels are checked against), so they favour plainness
 * over speed; the fused MTA kernels carry the speed.
 */
interface ConvSizes {
  readonly n: number; readonly cin: number; readonly h: number; readonly w: number;
  readonly cout: number; readonly cig: number; readonly cog: number; readonly kh: number; readonly kw: number;
  readonly oh: number; readonly ow: number;
}

function sizesOf(x: readonly number[], weight: readonly number[], y: readonly number[], groups: number): ConvSizes {
  const [n, cin, h, w] = x as [number, number, number, number];
  const [cout, cig, kh, kw] = weight as [number, number, number, number];
  return { n, cin, h, w, cout, cig, cog: cout / groups, kh, kw, oh: y[2]!, ow: y[3]! };
}

function checkFloat32(op: string, ...ts: (Tensor | null | undefined)[]): void {
  for (const t of ts) if (t && t.dtype !== 'float32') throw new WebgpuDtypeError(op, t.dtype, ['float32']);
}

/** The sizes and attributes as WGSL constants. */
function constants(s: ConvSizes, a: Conv2dAttrs): string {
  return `
const N: u32 = ${s.n}u; const CIN: u32 = ${s.cin}u; const H: i32 = ${s.h}; const W: i32 = ${s.w};
const COUT: u32 = ${s.cout}u; const CIG: u32 = ${s.cig}u; const COG: u32 = ${s.cog}u; const KH: i32 = ${s.kh}; const KW: i32 = ${s.kw};
const OH: i32 = ${s.oh}; const OW: i32 = ${s.ow};
const PT: i32 = ${a.pads[0]}; const PL: i32 = ${a.pads[2]}; const DH: i32 = ${a.dilation[0]}; const DW: i32 = ${a.dilation[1]};`;
}

function conv2dForward(x: Tensor, weight: Tensor, bias: Tensor | null, y: Tensor, attrs: Conv2dAttrs): void {
  checkFloat32('Conv2d', x, weight, bias, y);
  if (y.size === 0) return;
  const s = sizesOf(x.shape, weight.shape, y.shape, attrs.groups);
  const ctx = webgpuContext();
  const wg = ctx.limits.workgroupSize;
  const wgsl = `${constants(s, attrs)}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> wt: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${bias ? '@group(0) @binding(3) var<storage, read> bias: array<f32>;' : ''}
${elementwiseMain(wg, y.size, `  let ox = i32(i % u32(OW));
  let oy = i32((i / u32(OW)) % u32(OH));
  let co = (i / u32(OW * OH)) % COUT;
  let b = i / (u32(OW * OH) * COUT);
  let firstCi = (co / COG) * CIG;
  var acc = ${bias ? 'bias[co]' : '0.0'};
  for (var cil = 0u; cil < CIG; cil++) {
    let xBase = (b * CIN + firstCi + cil) * u32(H * W);
    let wBase = (co * CIG + cil) * u32(KH * KW);
    for (var kh = 0; kh < KH; kh++) {
      let r = oy - PT + kh * DH;
      if (r < 0 || r >= H) { continue; }
      for (var kw = 0; kw < KW; kw++) {
        let c = ox - PL + kw * DW;
        if (c < 0 || c >= W) { continue; }
        acc += wt[wBase + u32(kh * KW + kw)] * x[xBase + u32(r * W + c)];
      }
    }
  }
  y[i] = acc;`)}`;
  const batch = new ComputeBatch(ctx);
  batch.dispatch(wgsl, 'conv2d', [batch.bind(x), batch.bind(weight), batch.bind(y), ...(bias ? [batch.bind(bias)] : [])], Math.ceil(y.size / wg));
  batch.submit();
}

/** dx[b, ci, r, c] = sum over the group's output channels and taps of w * dy at (r + pt - kh*dh, c + pl - kw*dw). */
function conv2dBackpropInput(dy: Tensor, weight: Tensor, dx: Tensor, attrs: Conv2dAttrs): void {
  checkFloat32('Conv2dBackpropInput', dy, weight, dx);
  if (dx.size === 0) return;
  const s = sizesOf(dx.shape, weight.shape, dy.shape, attrs.groups);
  const ctx = webgpuContext();
  const wg = ctx.limits.workgroupSize;
  const wgsl = `${constants(s, attrs)}
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> wt: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
${elementwiseMain(wg, dx.size, `  let c = i32(i % u32(W));
  let r = i32((i / u32(W)) % u32(H));
  let ci = (i / u32(W * H)) % CIN;
  let b = i / (u32(W * H) * CIN);
  let grp = ci / CIG;
  let cil = ci % CIG;
  var acc = 0.0;
  for (var k = 0u; k < COG; k++) {
    let co = grp * COG + k;
    let gBase = (b * COUT + co) * u32(OH * OW);
    let wBase = (co * CIG + cil) * u32(KH * KW);
    for (var kh = 0; kh < KH; kh++) {
      let oy = r + PT - kh * DH;
      if (oy < 0 || oy >= OH) { continue; }
      for (var kw = 0; kw < KW; kw++) {
        let ox = c + PL - kw * DW;
        if (ox < 0 || ox >= OW) { continue; }
        acc += wt[wBase + u32(kh * KW + kw)] * dy[gBase + u32(oy * OW + ox)];
      }
    }
  }
  dx[i] = acc;`)}`;
  const batch = new ComputeBatch(ctx);
  batch.dispatch(wgsl, 'conv2dBackpropInput', [batch.bind(dy), batch.bind(weight), batch.bind(dx)], Math.ceil(dx.size / wg));
  batch.submit();
}

/**
 * dw[co, cil, kh, kw] = sum over b, oy, ox of dy[b, co, oy, ox] * x[b, ci, oy - pt + kh*dh, ox - pl + kw*dw]:
 * one workgroup per weight element, each invocation keeping a compensated (Kahan) sum over its share of
 * the b*OH*OW terms and the workgroup adding them as a tree, so the error does not grow with the map.
 */
function conv2dBackpropFilter(x: Tensor, dy: Tensor, dw: Tensor, attrs: Conv2dAttrs): void {
  checkFloat32('Conv2dBackpropFilter', x, dy, dw);
  if (dw.size === 0) return;
  const s = sizesOf(x.shape, dw.shape, dy.shape, attrs.groups);
  const ctx = webgpuContext();
  const wg = ctx.limits.workgroupSize;
  const wgsl = `${constants(s, attrs)}
${linearIndexPrelude(wg)}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dw: array<f32>;
var<workgroup> red: array<f32, ${wg}>;
const TERMS: u32 = N * u32(OH * OW);
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wgId: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = linearGroup(wgId, groups);
  if (o >= ${dw.size}u) { return; }
  let kw = i32(o % u32(KW));
  let kh = i32((o / u32(KW)) % u32(KH));
  let cil = (o / u32(KW * KH)) % CIG;
  let co = o / (u32(KW * KH) * CIG);
  let ci = (co / COG) * CIG + cil;
  var sum = 0.0;
  var comp = 0.0;
  for (var t = lid; t < TERMS; t += WG) {
    let ox = i32(t % u32(OW));
    let oy = i32((t / u32(OW)) % u32(OH));
    let b = t / u32(OW * OH);
    let r = oy - PT + kh * DH;
    let c = ox - PL + kw * DW;
    if (r < 0 || r >= H || c < 0 || c >= W) { continue; }
    let v = dy[(b * COUT + co) * u32(OH * OW) + t % u32(OH * OW)] * x[(b * CIN + ci) * u32(H * W) + u32(r * W + c)] - comp;
    let next = sum + v;
    comp = (next - sum) - v;
    sum = next;
  }
  red[lid] = sum - comp;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half = half >> 1u) {
    if (lid < half) { red[lid] = red[lid] + red[lid + half]; }
    workgroupBarrier();
  }
  if (lid == 0u) { dw[o] = red[0]; }
}`;
  const batch = new ComputeBatch(ctx);
  batch.dispatch(wgsl, 'conv2dBackpropFilter', [batch.bind(x), batch.bind(dy), batch.bind(dw)], dw.size);
  batch.submit();
}

// Module constants: registering again while registered is then the same kernel and changes nothing.
const forwardKernel: KernelDef<Conv2dAttrs>['run'] = ({ inputs: [x, w, b], outputs: [y], attrs }) => conv2dForward(x!, w!, b ?? null, y!, attrs);
const inputGradKernel: KernelDef<BackpropInputAttrs>['run'] = ({ inputs: [dy, w], outputs: [dx], attrs }) => conv2dBackpropInput(dy!, w!, dx!, attrs);
const filterGradKernel: KernelDef<BackpropFilterAttrs>['run'] = ({ inputs: [x, dy], outputs: [dw], attrs }) => conv2dBackpropFilter(x!, dy!, dw!, attrs);

export function registerConvKernels(): () => void {
  const disposers = [
    registerKernel(Conv2d, 'webgpu', forwardKernel),
    registerKernel(Conv2dBackpropInput, 'webgpu', inputGradKernel),
    registerKernel(Conv2dBackpropFilter, 'webgpu', filterGradKernel),
  ];
  return () => disposers.forEach((d) => d());
}
