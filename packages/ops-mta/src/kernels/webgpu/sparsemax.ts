import { registerKernel, type KernelDef, type Tensor } from '@mta/core';
import { ComputeBatch, linearIndexPrelude, webgpuContext } from '@mta/device-webgpu';
import { MtaArgumentError } from '../../errors.js';
import { SparsemaxBackwardOp, SparsemaxOp, type AxisAttrs } from '../../ops.js';
import { rowActivationWgsl, type RowLayout } from './row-activation-shader.js';
import { rowVjpWgsl } from './row-vjp-shader.js';

/**
 * Sparsemax and its VJP along any axis on webgpu: the fused MTA kernels' row shaders over the rows of the
 * tensor (one workgroup per row; a row's entries are `inner` apart). This is what the composite MTA path
 * (masks, sparsemax, conv2d in primitives) needs on the device.
 */
function rowsAlong(shape: readonly number[], axis: number, workgroupSize: number): RowLayout {
  const span = (from: number, to: number) => shape.slice(from, to).reduce((p, n) => p * n, 1);
  const width = shape[axis]!;
  const inner = span(axis + 1, shape.length);
  return {
    constants: `${linearIndexPrelude(workgroupSize)}\nconst INNER: u32 = ${inner}u;`,
    rows: span(0, axis) * inner,
    width,
    stride: inner,
    base: `(row / INNER) * (WIDTH * INNER) + row % INNER`,
    n: 'WIDTH',
  };
}

function checkFloat32(where: string, tensors: readonly (readonly [string, Tensor])[]): void {
  for (const [argument, t] of tensors) {
    if (t.dtype !== 'float32') {
      throw new MtaArgumentError(where, argument, 'a float32 tensor (the webgpu kernels compute in float32)', t.describe(), "cast with .cast('float32')");
    }
  }
}

const forward: KernelDef<AxisAttrs>['run'] = ({ inputs: [x], outputs: [y], attrs: { axis } }) => {
  checkFloat32('sparsemax on webgpu', [['x', x!]]);
  if (y!.size === 0) return;
  const ctx = webgpuContext();
  const wg = ctx.limits.workgroupSize;
  const layout = rowsAlong(x!.shape, axis, wg);
  const batch = new ComputeBatch(ctx);
  batch.dispatch(rowActivationWgsl(layout, 'sparsemax', wg, false), 'sparsemax', [batch.bind(x!), batch.bind(y!)], layout.rows);
  batch.submit();
};

const backward: KernelDef<AxisAttrs>['run'] = ({ inputs: [y, g], outputs: [dx], attrs: { axis } }) => {
  checkFloat32('sparsemax backward on webgpu', [['y', y!], ['gradient', g!]]);
  if (dx!.size === 0) return;
  const ctx = webgpuContext();
  const wg = ctx.limits.workgroupSize;
  const layout = rowsAlong(y!.shape, axis, wg);
  const batch = new ComputeBatch(ctx);
  batch.dispatch(rowVjpWgsl(layout, 'sparsemax', wg, false), 'sparsemaxBackward', [batch.bind(y!), batch.bind(g!), batch.bind(dx!)], layout.rows);
  batch.submit();
};

/** Sparsemax and its backward on the webgpu device (module constants: registering twice changes nothing). */
export function registerWebgpuSparsemaxKernels(): () => void {
  const disposers = [registerKernel(SparsemaxOp, 'webgpu', forward), registerKernel(SparsemaxBackwardOp, 'webgpu', backward)];
  return () => disposers.forEach((d) => d());
}
