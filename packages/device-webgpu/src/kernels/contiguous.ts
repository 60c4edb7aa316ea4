import { Contiguous, registerKernel, type KernelDef } from '@mta/core';
import { ComputeBatch } from '../compute-batch.js';
import { webgpuContext } from '../active-context.js';
import { elementwiseMain, stridedOffsetFn, workgroupsFor } from './wgsl.js';

type ContiguousAttrs = Record<string, never>;

/** A strided view copied into a contiguous tensor: one invocation per element, 32-bit words. */
const contiguousKernel: KernelDef<ContiguousAttrs> = {
  stridedInputs: true,
  run: ({ inputs: [x], outputs: [y] }) => {
    if (y!.size === 0) return;
    if (x!.dtype !== 'float32' && x!.dtype !== 'int32') {
      throw new Error(`webgpu Contiguous: ${x!.describe()}: only 32-bit dtypes (float32, int32) are copied on webgpu`);
    }
    const ctx = webgpuContext();
    const wg = ctx.limits.workgroupSize;
    const wgsl = `
@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
${stridedOffsetFn('source', x!.shape, x!.strides, x!.offset)}
${elementwiseMain(wg, y!.size, '  dst[i] = src[source(i)];')}`;
    const batch = new ComputeBatch(ctx);
    batch.dispatch(wgsl, 'contiguous', [batch.bindStorage(x!), batch.bind(y!)], workgroupsFor(y!.size, wg));
    batch.submit();
  },
};

export function registerContiguousKernel(): () => void {
  return registerKernel(Contiguous, 'webgpu', contiguousKernel);
}
