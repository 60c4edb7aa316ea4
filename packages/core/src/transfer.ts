import { defineOp } from './op.js';
import { getDevice, type Device } from './device.js';
import { moveRaw, recordCall, runOp1 } from './dispatch.js';
import { Tensor, writeTensor } from './tensor.js';

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

/**
 * The move that works from every device: a source whose memory reads only asynchronously (a GPU) is read
 * with its async read, then written to the target, which is initialised first if it initialises
 * asynchronously. From host-visible memory it is `copyTo`. Recorded on the tape like `to()`; its gradient
 * moves back with `copyTo`, which needs the gradient's device to read synchronously.
 *
 * The result is created after an await, so a synchronous tidy() around the call does not track it.
 */
export async function copyToAsync(x: Tensor, device: Device): Promise<Tensor> {
  if (x.device === device) return x;
  await device.init();
  if (x.device.memory.readSync) return copyTo(x, device);
  const values = await x.data();
  const out = Tensor.empty(x.shape, x.dtype, device);
  writeTensor(out, values);
  recordCall(ToDevice, [x], { device: device.name }, [out]);
  return out;
}
