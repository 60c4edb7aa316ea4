import { registerKernel, Sum, type KernelDef, type ReduceAttrs as SumAttrs } from '@mta/core';
import { ComputeBatch } from '../compute-batch.js';
import { webgpuContext } from '../active-context.js';
import { elementwiseMain, stridedOffsetFn, wgslType, workgroupsFor } from './wgsl.js';

/**
 * Sum over axes, float32 (compensated, so long reductions keep float32's precision) and int32: one
 * invocation per output element walks its reduced elements.
 */
const sumKernel: KernelDef<SumAttrs> = {
  stridedInputs: true,
  run: ({ inputs: [x], outputs: [y], attrs: { axes } }) => {
    if (y!.size === 0) return;
    const type = wgslType(x!.dtype, 'Sum');
    const kept = x!.shape.map((_, d) => d).filter((d) => !axes.includes(d));
    const keptShape = kept.map((d) => x!.shape[d]!);
    const reducedShape = axes.map((d) => x!.shape[d]!);
    const count = reducedShape.reduce((p, n) => p * n, 1);
    const ctx = webgpuContext();
    const wg = ctx.limits.workgroupSize;
    const body = type === 'f32'
      ? `  var s = 0.0; var c = 0.0;
for (var k = 0u; k < ${count}u; k++) {
  let v = x[outer(i) + inner(k)] - c; let t = s + v; c = (t - s) - v; s = t;
}
y[i] = s;`
      : `  var s = 0i;
for (var k = 0u; k < ${count}u; k++) { s += x[outer(i) + inner(k)]; }
y[i] = s;`;
    const wgsl = `
@group(0) @binding(0) var<storage, read> x: array<${type}>;
@group(0) @binding(1) var<storage, read_write> y: array<${type}>;
${stridedOffsetFn('outer', keptShape, kept.map((d) => x!.strides[d]!), x!.offset)}
${stridedOffsetFn('inner', reducedShape, axes.map((d) => x!.strides[d]!), 0)}
${elementwiseMain(wg, y!.size, body)}`;
    const batch = new ComputeBatch(ctx);
    batch.dispatch(wgsl, 'sum', [batch.bindStorage(x!), batch.bind(y!)], workgroupsFor(y!.size, wg));
    batch.submit();
  },
};

export function registerSumKernel(): () => void {
  return registerKernel(Sum, 'webgpu', sumKernel);
}
