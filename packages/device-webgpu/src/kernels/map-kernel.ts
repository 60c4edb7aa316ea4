import type { Tensor } from '@mta/core';
import { ComputeBatch } from '../compute-batch.js';
import { webgpuContext } from '../active-context.js';
import { HALF_CODEC } from './half-wgsl.js';
import {
  FROM_BITS, gpuDtype, gpuStorageDtype, loadFn, mapInvocations, mapMain, storageDecl, stridedOffsetFn, valueType, workgroupsFor, type GpuStorageDType,
} from './wgsl.js';

/** Strides that read `t` broadcast to `shape` (0 along broadcast axes), NumPy-aligned from the right. */
export function broadcastStrides(t: Tensor, shape: readonly number[]): number[] {
  const lead = shape.length - t.ndim;
  return shape.map((_, d) => {
    const k = d - lead;
    return k < 0 || t.shape[k] === 1 ? 0 : t.strides[k]!;
  });
}

/**
 * The one shape of kernel behind the elementwise family, casts and copies: every output element is a
 * function of one element of each input, read through the input's own strides (0 along broadcast axes)
 * so views and broadcasts cost no copy. `body` is the WGSL body of `fn value(i: u32) -> T`; it reads
 * input k's element for output i as `in{k}(i)`, in the input's compute type (bool as u32 0/1).
 *
 * `float16`: whether this kernel takes float16 operands (the data-movement kernels: cast, contiguous). They
 * load as their binary16 bits, a float16 output's value is its bits, and the shader gets the codec
 * (`halfToF32`, `f32ToHalf`). Every other kernel refuses float16 with a WebgpuDtypeError.
 */
export function runMapKernel(label: string, inputs: readonly Tensor[], y: Tensor, body: string, prelude = '', float16 = false): void {
  if (y.size === 0) return;
  const dtypeOf = (t: Tensor): GpuStorageDType => (float16 ? gpuStorageDtype(t.dtype, label) : gpuDtype(t.dtype, label));
  const out = dtypeOf(y);
  const types = inputs.map(dtypeOf);
  const ctx = webgpuContext();
  const wg = ctx.limits.workgroupSize;
  const decls = inputs.map((t, k) => [
    storageDecl(k, `x${k}`, types[k]!, 'read'),
    loadFn(`load${k}`, `x${k}`, types[k]!),
    stridedOffsetFn(`at${k}`, y.shape, broadcastStrides(t, y.shape), t.offset),
    `fn in${k}(i: u32) -> ${types[k] === 'bool' ? 'u32' : valueType(types[k]!)} { return load${k}(at${k}(i)); }`,
  ].join('\n'));
  const wgsl = `${decls.join('\n')}
${storageDecl(inputs.length, 'y', out, 'read_write')}
${FROM_BITS}
${[out, ...types].includes('float16') ? `${HALF_CODEC}\n` : ''}${prelude}
fn value(i: u32) -> ${valueType(out)} {
${body}
}
${mapMain(wg, y.size, out)}`;
  const batch = new ComputeBatch(ctx);
  batch.dispatch(wgsl, label, [...inputs.map((t) => batch.bindStorage(t)), batch.bind(y)], workgroupsFor(mapInvocations(y.size, out), wg));
  batch.submit();
}
