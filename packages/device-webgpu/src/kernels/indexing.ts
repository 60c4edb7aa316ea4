import { IndexAdd, IndexSelect, registerKernel, type IndexAddAttrs, type IndexAttrs, type KernelDef, type Tensor } from '@mta/core';
import { ComputeBatch } from '../compute-batch.js';
import { webgpuContext } from '../active-context.js';
import { WebgpuDtypeError } from '../errors.js';
import { FAULT_INDEX_ADD, FAULT_INDEX_SELECT, faultWgsl } from '../kernel-faults.js';
import { elementwiseMain, wgslType, workgroupsFor } from './wgsl.js';

/**
 * IndexSelect (embedding lookup) gathers whole slices along one axis; IndexAdd, its gradient, adds them
 * back. WGSL has no float atomics, so IndexAdd is a gather too: each output element sums the gradient
 * rows whose index names it, in index order, which is also the cpu kernel's order (the same float32
 * roundings, and deterministic). Indices are checked on the GPU: an out-of-range one is recorded as a
 * fault (the next read rejects with it) and never read through.
 */
function sizes(shape: readonly number[], axis: number): { outer: number; size: number; inner: number } {
  const span = (from: number, to: number) => shape.slice(from, to).reduce((p, n) => p * n, 1);
  return { outer: span(0, axis), size: shape[axis]!, inner: span(axis + 1, shape.length) };
}

function checkDtypes(op: string, data: Tensor, indices: Tensor): void {
  wgslType(data.dtype, op);
  if (indices.dtype !== 'int32') throw new WebgpuDtypeError(op, indices.dtype, ['int32 (indices)']);
}

const indexSelectKernel: KernelDef<IndexAttrs> = {
  run: ({ inputs: [x, indices], outputs: [y], attrs: { axis } }) => {
    checkDtypes('IndexSelect', x!, indices!);
    if (y!.size === 0) return;
    const { size, inner } = sizes(x!.shape, axis);
    const count = indices!.size;
    const ctx = webgpuContext();
    const wg = ctx.limits.workgroupSize;
    // Raw 32-bit words: float32 and int32 copy alike, bit for bit.
    const wgsl = `
@group(0) @binding(0) var<storage, read> x: array<u32>;
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;
${faultWgsl(3)}
${elementwiseMain(wg, y!.size, `  let o = i / ${count * inner}u;
  let t = (i / ${inner}u) % ${count}u;
  let j = i % ${inner}u;
  let r = idx[t];
  if (r < 0 || r >= ${size}) { recordFault(${FAULT_INDEX_SELECT}u, r, t, ${size}u); y[i] = 0u; return; }
  y[i] = x[(o * ${size}u + u32(r)) * ${inner}u + j];`)}`;
    const batch = new ComputeBatch(ctx);
    batch.dispatch(wgsl, 'indexSelect', [batch.bind(x!), batch.bind(indices!), batch.bind(y!), { buffer: ctx.faults }, batch.faultWords(y!)], workgroupsFor(y!.size, wg));
    batch.submit();
  },
};

const indexAddKernel: KernelDef<IndexAddAttrs> = {
  run: ({ inputs: [g, indices], outputs: [y], attrs: { axis, inputShape } }) => {
    checkDtypes('IndexAdd', g!, indices!);
    if (y!.size === 0) return;
    const type = wgslType(g!.dtype, 'IndexAdd');
    const { size, inner } = sizes(inputShape, axis);
    const count = indices!.size;
    const ctx = webgpuContext();
    const wg = ctx.limits.workgroupSize;
    const wgsl = `
@group(0) @binding(0) var<storage, read> g: array<${type}>;
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> y: array<${type}>;
${faultWgsl(3)}
${elementwiseMain(wg, y!.size, `  let o = i / ${size * inner}u;
  let r = i32((i / ${inner}u) % ${size}u);
  let j = i % ${inner}u;
  var s = ${type}(0);
  for (var t = 0u; t < ${count}u; t++) {
    let k = idx[t];
    if (k < 0 || k >= ${size}) { recordFault(${FAULT_INDEX_ADD}u, k, t, ${size}u); continue; }
    if (k == r) { s += g[(o * ${count}u + t) * ${inner}u + j]; }
  }
  y[i] = s;`)}`;
    const batch = new ComputeBatch(ctx);
    batch.dispatch(wgsl, 'indexAdd', [batch.bind(g!), batch.bind(indices!), batch.bind(y!), { buffer: ctx.faults }, batch.faultWords(y!)], workgroupsFor(y!.size, wg));
    batch.submit();
  },
};

export function registerIndexingKernels(): () => void {
  const disposers = [registerKernel(IndexSelect, 'webgpu', indexSelectKernel), registerKernel(IndexAdd, 'webgpu', indexAddKernel)];
  return () => disposers.forEach((d) => d());
}
