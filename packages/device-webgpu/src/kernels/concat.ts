import { Concat, registerKernel, type ConcatAttrs, type KernelDef } from '@mta/core';
import { ComputeBatch } from '../compute-batch.js';
import { webgpuContext } from '../active-context.js';
import { gpuDtype, loadFn, mapInvocations, mapMain, storageDecl, valueType, workgroupsFor } from './wgsl.js';

/**
 * Concatenation along one axis of contiguous inputs: each output element finds the input whose span of
 * the axis holds it. One binding per input, so an input count beyond the adapter's storage bindings per
 * shader is refused with the numbers (concatenate in steps).
 */
const concatKernel: KernelDef<ConcatAttrs> = {
  run: ({ inputs, outputs: [y], attrs: { axis } }) => {
    if (y!.size === 0) return;
    const dtype = gpuDtype(y!.dtype, 'Concat');
    const ctx = webgpuContext();
    const maxInputs = ctx.device.limits.maxStorageBuffersPerShaderStage - 1;
    if (inputs.length > maxInputs) {
      throw new Error(`webgpu Concat: ${inputs.length} inputs, but this adapter binds at most ${maxInputs} besides the output; ` +
        'concatenate in steps of fewer tensors');
    }
    const inner = y!.shape.slice(axis + 1).reduce((p, n) => p * n, 1);
    const total = y!.shape[axis]!;
    let start = 0;
    const picks = inputs.map((x, k) => {
      const length = x.shape[axis]!;
      const line = `  if (a < ${start + length}u) { return ${dtype === 'bool' ? `load${k}(${x.offset}u + (o * ${length}u + a - ${start}u) * ${inner}u + j) != 0u`
        : `load${k}(${x.offset}u + (o * ${length}u + a - ${start}u) * ${inner}u + j)`}; }`;
      start += length;
      return length === 0 ? '' : line;
    });
    const wg = ctx.limits.workgroupSize;
    const wgsl = `
${inputs.map((_, k) => `${storageDecl(k, `x${k}`, dtype, 'read')}\n${loadFn(`load${k}`, `x${k}`, dtype)}`).join('\n')}
${storageDecl(inputs.length, 'y', dtype, 'read_write')}
fn value(i: u32) -> ${valueType(dtype)} {
  let o = i / ${total * inner}u;
  let a = (i / ${inner}u) % ${total}u;
  let j = i % ${inner}u;
${picks.join('\n')}
  return ${dtype === 'bool' ? 'false' : `${valueType(dtype)}(0)`};
}
${mapMain(wg, y!.size, dtype)}`;
    const batch = new ComputeBatch(ctx);
    batch.dispatch(wgsl, 'concat', [...inputs.map((x) => batch.bindStorage(x)), batch.bind(y!)], workgroupsFor(mapInvocations(y!.size, dtype), wg));
    batch.submit();
  },
};

export function registerConcatKernel(): () => void {
  return registerKernel(Concat, 'webgpu', concatKernel);
}
