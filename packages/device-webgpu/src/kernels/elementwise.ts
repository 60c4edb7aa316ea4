import { Add, Div, Mul, registerKernel, Sub, type BinaryAttrs, type KernelDef, type OpDef, type Tensor } from '@mta/core';
import { ComputeBatch } from '../compute-batch.js';
import { webgpuContext } from '../active-context.js';
import { elementwiseMain, stridedOffsetFn, wgslType, workgroupsFor } from './wgsl.js';

/** Strides that read `t` broadcast to `shape` (0 along broadcast axes), NumPy-aligned from the right. */
function broadcastStrides(t: Tensor, shape: readonly number[]): number[] {
  const lead = shape.length - t.ndim;
  return shape.map((n, d) => {
    const k = d - lead;
    return k < 0 || t.shape[k] === 1 ? 0 : t.strides[k]!;
  });
}

function binaryKernel(op: OpDef<BinaryAttrs>, operator: string): KernelDef<BinaryAttrs> {
  return {
    stridedInputs: true,
    run: ({ inputs: [a, b], outputs: [y] }) => {
      if (y!.size === 0) return;
      const type = wgslType(y!.dtype, op.name);
      const ctx = webgpuContext();
      const wg = ctx.limits.workgroupSize;
      const wgsl = `
@group(0) @binding(0) var<storage, read> a: array<${type}>;
@group(0) @binding(1) var<storage, read> b: array<${type}>;
@group(0) @binding(2) var<storage, read_write> y: array<${type}>;
${stridedOffsetFn('atA', y!.shape, broadcastStrides(a!, y!.shape), a!.offset)}
${stridedOffsetFn('atB', y!.shape, broadcastStrides(b!, y!.shape), b!.offset)}
${elementwiseMain(wg, y!.size, `  y[i] = a[atA(i)] ${operator} b[atB(i)];`)}`;
      const batch = new ComputeBatch(ctx);
      batch.dispatch(wgsl, op.name.toLowerCase(), [batch.bindStorage(a!), batch.bindStorage(b!), batch.bind(y!)], workgroupsFor(y!.size, wg));
      batch.submit();
    },
  };
}

/** Add, Sub, Mul, Div with broadcasting and strided inputs, float32 and int32. */
const KERNELS = new Map([Add, Sub, Mul, Div].map((op, k) => [op, binaryKernel(op, ['+', '-', '*', '/'][k]!)]));

export function registerElementwiseKernels(): () => void {
  const disposers = [...KERNELS].map(([op, kernel]) => registerKernel(op, 'webgpu', kernel));
  return () => disposers.forEach((d) => d());
}
