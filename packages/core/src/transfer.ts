import { defineOp } from './op.js';
import { getDevice, type Device } from './device.js';
import { moveRaw, runOp1 } from './dispatch.js';
import type { Tensor } from './tensor.js';

/** Moves a tensor between devices. Differentiable: the gradient travels back to the source device. */
export interface ToDeviceAttrs { readonly device: string }

export const ToDevice = defineOp<ToDeviceAttrs>({
  name: 'ToDevice',
  infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
  forward: ([x], { device }) => [moveRaw(x!, getDevice(device))],
  grad: ({ inputs: [x], grads: [g] }) => [copyTo(g!, x!.device)],
});

export function copyTo(x: Tensor, device: Device): Tensor {
  if (x.device === device) return x;
  return runOp1(ToDevice, [x], { device: device.name });
}
