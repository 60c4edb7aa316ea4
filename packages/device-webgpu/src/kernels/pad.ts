import { Pad, registerKernel, type KernelDef, type PadAttrs } from '@mta/core';
import { ComputeBatch } from '../compute-batch.js';
import { webgpuContext } from '../active-context.js';
import { FROM_BITS, gpuDtype, literal, loadFn, mapInvocations, mapMain, storageDecl, valueType, workgroupsFor } from './wgsl.js';

/**
 * Constant padding (Slice's gradient): each output element either maps back to an input element, read
 * through the input's strides, or takes the pad value.
 */
const padKernel: KernelDef<PadAttrs> = {
  stridedInputs: true,
  run: ({ inputs: [x], outputs: [y], attrs: { pads, value } }) => {
    if (y!.size === 0) return;
    const dtype = gpuDtype(y!.dtype, 'Pad');
    const lines: string[] = ['  var rest = i;', `  var at = ${x!.offset}u;`];
    for (let d = y!.ndim - 1; d >= 0; d--) {
      const n = y!.shape[d]!, before = pads[2 * d]!, size = x!.shape[d]!;
      lines.push(`  { let c = i32(rest % ${n}u) - ${before}; rest = rest / ${n}u;`,
        `    if (c < 0 || c >= ${size}) { return ${dtype === 'bool' ? (value ? 'true' : 'false') : literal(value, dtype)}; }`,
        `    at += u32(c) * ${x!.strides[d]}u; }`);
    }
    lines.push(`  return ${dtype === 'bool' ? 'load(at) != 0u' : 'load(at)'};`);
    const ctx = webgpuContext();
    const wg = ctx.limits.workgroupSize;
    const wgsl = `
${storageDecl(0, 'x', dtype, 'read')}
${storageDecl(1, 'y', dtype, 'read_write')}
${loadFn('load', 'x', dtype)}
${FROM_BITS}
fn value(i: u32) -> ${valueType(dtype)} {
${lines.join('\n')}
}
${mapMain(wg, y!.size, dtype)}`;
    const batch = new ComputeBatch(ctx);
    batch.dispatch(wgsl, 'pad', [batch.bindStorage(x!), batch.bind(y!)], workgroupsFor(mapInvocations(y!.size, dtype), wg));
    batch.submit();
  },
};

export function registerPadKernel(): () => void {
  return registerKernel(Pad, 'webgpu', padKernel);
}
