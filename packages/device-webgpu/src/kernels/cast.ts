import { Cast, registerKernel, type CastAttrs, type KernelDef } from '@mta/core';
import { ComputeBatch } from '../compute-batch.js';
import { webgpuContext } from '../active-context.js';
import { elementwiseMain, stridedOffsetFn, wgslType, workgroupsFor } from './wgsl.js';

/** Cast between float32 and int32 (and a copy within either), from strided inputs. */
const castKernel: KernelDef<CastAttrs> = {
  stridedInputs: true,
  run: ({ inputs: [x], outputs: [y] }) => {
    if (y!.size === 0) return;
    const from = wgslType(x!.dtype, 'Cast');
    const to = wgslType(y!.dtype, 'Cast');
    const ctx = webgpuContext();
    const wg = ctx.limits.workgroupSize;
    const wgsl = `
@group(0) @binding(0) var<storage, read> x: array<${from}>;
@group(0) @binding(1) var<storage, read_write> y: array<${to}>;
${stridedOffsetFn('source', y!.shape, x!.strides, x!.offset)}
${elementwiseMain(wg, y!.size, `  y[i] = ${to}(x[source(i)]);`)}`;
    const batch = new ComputeBatch(ctx);
    batch.dispatch(wgsl, 'cast', [batch.bindStorage(x!), batch.bind(y!)], workgroupsFor(y!.size, wg));
    batch.submit();
  },
};

export function registerCastKernel(): () => void {
  return registerKernel(Cast, 'webgpu', castKernel);
}
