import { Max, registerKernel, Sum, type KernelDef, type OpDef, type ReduceAttrs, type Tensor } from '@mta/core';
import { ComputeBatch } from '../compute-batch.js';
import { webgpuContext } from '../active-context.js';
import { FROM_BITS, NEG_INF, linearIndexPrelude, stridedOffsetFn, wgslType, workgroupsFor } from './wgsl.js';

/**
 * Sum and Max over any set of axes of a strided input, float32 and int32. Sums are compensated (Kahan),
 * so long float32 reductions keep float32's precision; Max propagates NaN like cpu. Short reductions run
 * one invocation per output element; long ones (bias gradients summed over every row) one workgroup per
 * output element, each invocation folding a strided share and the workgroup combining them in workgroup
 * memory, so the work spreads over the GPU instead of a handful of invocations.
 */
type Kind = 'sum' | 'max';

/** Reductions at least this long per output take a workgroup each. */
const COOPERATIVE_MIN = 256;

function accumulator(kind: Kind, type: 'f32' | 'i32'): { init: string; add: (v: string) => string; combine: (a: string, b: string) => string; result: string } {
  if (kind === 'max') {
    const lowest = type === 'f32' ? NEG_INF : 'i32(-2147483648)';
    const better = (v: string, m: string) => (type === 'f32' ? `(${v} > ${m} || isNan(${v}))` : `${v} > ${m}`);
    return {
      init: `var m = ${lowest};`,
      add: (v) => `{ let v = ${v}; if (${better('v', 'm')}) { m = v; } }`,
      combine: (a, b) => `if (${better(b, a)}) { ${a} = ${b}; }`,
      result: 'm',
    };
  }
  if (type === 'i32') return { init: 'var m = 0i;', add: (v) => `m += ${v};`, combine: (a, b) => `${a} = ${a} + ${b};`, result: 'm' };
  return {
    init: 'var m = 0.0; var c = 0.0;',
    add: (v) => `{ let v = ${v} - c; let t = m + v; c = (t - m) - v; m = t; }`,
    combine: (a, b) => `${a} = ${a} + ${b};`,
    result: 'm',
  };
}

function reduceKernel(op: OpDef<ReduceAttrs>, kind: Kind): KernelDef<ReduceAttrs> {
  return {
    stridedInputs: true,
    run: ({ inputs: [x], outputs: [y], attrs: { axes } }) => reduce(op.name, kind, x!, y!, axes),
  };
}

function reduce(name: string, kind: Kind, x: Tensor, y: Tensor, axes: readonly number[]): void {
  if (y.size === 0) return;
  const type = wgslType(x.dtype, name);
  const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const reducedShape = axes.map((d) => x.shape[d]!);
  const count = reducedShape.reduce((p, n) => p * n, 1);
  const ctx = webgpuContext();
  const wg = ctx.limits.workgroupSize;
  const acc = accumulator(kind, type);
  const header = `
@group(0) @binding(0) var<storage, read> x: array<${type}>;
@group(0) @binding(1) var<storage, read_write> y: array<${type}>;
${FROM_BITS}
fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
${stridedOffsetFn('outer', kept.map((d) => x.shape[d]!), kept.map((d) => x.strides[d]!), x.offset)}
${stridedOffsetFn('inner', reducedShape, axes.map((d) => x.strides[d]!), 0)}
${linearIndexPrelude(wg)}`;
  const cooperative = count >= COOPERATIVE_MIN;
  let wgsl: string;
  let groups: number;
  if (!cooperative) {
    wgsl = `${header}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linearGroup(wg, groups) * WG + lid;
  if (i >= ${y.size}u) { return; }
  let base = outer(i);
  ${acc.init}
  for (var k = 0u; k < ${count}u; k++) { ${acc.add('x[base + inner(k)]')} }
  y[i] = ${acc.result};
}`;
    groups = workgroupsFor(y.size, wg);
  } else {
    wgsl = `${header}
var<workgroup> partial: array<${type}, ${wg}>;
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = linearGroup(wg, groups);
  // Every invocation reaches the barriers (uniform control flow); only the store is guarded.
  let base = outer(min(i, ${y.size - 1}u));
  ${acc.init}
  for (var k = lid; k < ${count}u; k += WG) { ${acc.add('x[base + inner(k)]')} }
  partial[lid] = ${acc.result};
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    workgroupBarrier();
    if (lid < s) { ${acc.combine('partial[lid]', 'partial[lid + s]')} }
  }
  if (lid == 0u && i < ${y.size}u) { y[i] = partial[0]; }
}`;
    groups = y.size;
  }
  const batch = new ComputeBatch(ctx);
  batch.dispatch(wgsl, name.toLowerCase(), [batch.bindStorage(x), batch.bind(y)], groups);
  batch.submit();
}

const sumKernel = reduceKernel(Sum, 'sum');
const maxKernel = reduceKernel(Max, 'max');

export function registerReduceKernels(): () => void {
  const disposers = [registerKernel(Sum, 'webgpu', sumKernel), registerKernel(Max, 'webgpu', maxKernel)];
  return () => disposers.forEach((d) => d());
}
