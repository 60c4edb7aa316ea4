import {
  LogSoftmax, LogSoftmaxBackward, Softmax, SoftmaxBackward, registerKernel, type AxisAttrs, type KernelDef, type OpDef,
} from '@mta/core';
import { ComputeBatch } from '../compute-batch.js';
import { webgpuContext } from '../active-context.js';
import { WebgpuDtypeError } from '../errors.js';
import { FROM_BITS, NAN, NEG_INF, elementwiseMain, workgroupsFor } from './wgsl.js';

/**
 * The softmax family along one axis of contiguous float32 tensors, viewed as (outer, length, inner): one
 * invocation per lane (`length` elements `inner` apart). Every lane subtracts its max before exp, so
 * logits of 1000 and masks of -1e9 neither overflow nor make NaN. A lane holding a NaN or +Inf, or only -Inf,
 * is all NaN, as on cpu, decided from the bits first: WGSL may assume finite math, and SwiftShader turned
 * the row [+Inf, 1] into [NaN, 0] (found by the MTA fuzz's composite path). The backward ops take (y, g):
 * softmax dx = y (g - sum(g y)); log-softmax dx = g - exp(y) sum(g).
 */
type Kind = 'softmax' | 'logSoftmax' | 'softmaxBackward' | 'logSoftmaxBackward';

/** The lane's max m, after writing NaN to the whole lane and returning when it holds a NaN or +Inf, or only -Inf. */
const LANE_MAX = `
  var m = ${NEG_INF};
  var nanOrInf = false;
  for (var j = 0u; j < LEN; j++) {
    let v = x[at(j)];
    if (isNan(v) || bitcast<u32>(v) == 0x7f800000u) { nanOrInf = true; } else if (v > m) { m = v; }
  }
  if (nanOrInf || bitcast<u32>(m) == 0xff800000u) {
    for (var j = 0u; j < LEN; j++) { y[at(j)] = ${NAN}; }
    return;
  }`;

const BODIES: Record<Kind, string> = {
  softmax: `
${LANE_MAX}
  var s = 0.0;
  for (var j = 0u; j < LEN; j++) { let e = exp(x[at(j)] - m); y[at(j)] = e; s += e; }
  let scale = 1.0 / s;
  for (var j = 0u; j < LEN; j++) { y[at(j)] = y[at(j)] * scale; }`,
  logSoftmax: `
${LANE_MAX}
  var s = 0.0;
  for (var j = 0u; j < LEN; j++) { s += exp(x[at(j)] - m); }
  let logSum = m + log(s);
  for (var j = 0u; j < LEN; j++) { y[at(j)] = x[at(j)] - logSum; }`,
  softmaxBackward: `
  var dot = 0.0;
  for (var j = 0u; j < LEN; j++) { dot += g[at(j)] * x[at(j)]; }
  for (var j = 0u; j < LEN; j++) { y[at(j)] = x[at(j)] * (g[at(j)] - dot); }`,
  logSoftmaxBackward: `
  var total = 0.0;
  for (var j = 0u; j < LEN; j++) { total += g[at(j)]; }
  for (var j = 0u; j < LEN; j++) { y[at(j)] = g[at(j)] - exp(x[at(j)]) * total; }`,
};

function softmaxKernel(op: OpDef<AxisAttrs>, kind: Kind): KernelDef<AxisAttrs> {
  const backward = kind === 'softmaxBackward' || kind === 'logSoftmaxBackward';
  return {
    run: ({ inputs, outputs: [y], attrs: { axis } }) => {
      const x = inputs[0]!;
      for (const t of inputs) if (t.dtype !== 'float32') throw new WebgpuDtypeError(op.name, t.dtype, ['float32']);
      if (y!.size === 0) return;
      const shape = x.shape;
      const length = shape[axis]!;
      const inner = shape.slice(axis + 1).reduce((p, n) => p * n, 1);
      const lanes = y!.size / length;
      const ctx = webgpuContext();
      const wg = ctx.limits.workgroupSize;
      const wgsl = `
@group(0) @binding(0) var<storage, read> x: array<f32>;
${backward ? '@group(0) @binding(1) var<storage, read> g: array<f32>;' : ''}
@group(0) @binding(${backward ? 2 : 1}) var<storage, read_write> y: array<f32>;
const LEN: u32 = ${length}u;
${FROM_BITS}
fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
var<private> laneStart: u32;
fn at(j: u32) -> u32 { return laneStart + j * ${inner}u; }
${elementwiseMain(wg, lanes, `  laneStart = (i / ${inner}u) * ${length * inner}u + i % ${inner}u;${BODIES[kind]}`)}`;
      const batch = new ComputeBatch(ctx);
      const bindings = backward ? [batch.bind(x), batch.bind(inputs[1]!), batch.bind(y!)] : [batch.bind(x), batch.bind(y!)];
      batch.dispatch(wgsl, op.name, bindings, workgroupsFor(lanes, wg));
      batch.submit();
    },
  };
}

const KERNELS: readonly (readonly [OpDef<AxisAttrs>, KernelDef<AxisAttrs>])[] = ([
  [Softmax, 'softmax'], [LogSoftmax, 'logSoftmax'], [SoftmaxBackward, 'softmaxBackward'], [LogSoftmaxBackward, 'logSoftmaxBackward'],
] as const).map(([op, kind]) => [op, softmaxKernel(op, kind)] as const);

export function registerSoftmaxKernels(): () => void {
  const disposers = KERNELS.map(([op, kernel]) => registerKernel(op, 'webgpu', kernel));
  return () => disposers.forEach((d) => d());
}

