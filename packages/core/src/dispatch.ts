import { getDevice, type Device } from './device.js';
import { countFallback, fallbackAdvice, fallbackAllowed } from './fallback.js';
import { findKernel, MissingKernelError } from './kernels.js';
import { isFloatingPoint } from './dtype.js';
import type { AnyOpDef, OpDef } from './op.js';
import { isGradEnabled, recordNode } from './tape.js';
import { Tensor, writeTensor } from './tensor.js';
import { activeTracer } from './trace.js';
import { Contiguous } from './ops/contiguous-op.js';

/**
 * The one path every op call takes: check devices agree, infer and validate outputs, find the kernel
 * for the inputs' device (or fall back to cpu when allowed), run it, then record the call on the tape
 * and show it to the tracer. Kernels never see the tape.
 */
export function runOp<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor[] {
  const device = commonDevice(op as unknown as AnyOpDef, inputs);
  let outputs: Tensor[];
  if (op.forward) {
    // infer is every op's validation point; core-computed forwards (views) would otherwise skip it.
    op.infer(inputs, attrs);
    outputs = op.forward(inputs, attrs);
  } else {
    outputs = runKernel(op, inputs, attrs, device);
  }
  recordCall(op, inputs, attrs, outputs);
  return outputs;
}

/**
 * What follows every op call: the tape node (in grad mode, when an input needs a gradient) and the
 * tracer's view. runOp calls it; so does an op that computes outside runOp (an asynchronous move).
 */
export function recordCall<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A, outputs: readonly Tensor[]): void {
  if (isGradEnabled() && op.differentiable && inputs.some((t) => t.requiresGrad)) {
    recordNode(op as unknown as AnyOpDef, inputs, attrs, outputs);
  }
  activeTracer()?.onOp(op as unknown as AnyOpDef, inputs, attrs, outputs);
}

/** runOp for the common single-output case. */
export function runOp1<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  return runOp(op, inputs, attrs)[0]!;
}

function commonDevice(op: AnyOpDef, inputs: readonly Tensor[]): Device {
  if (inputs.length === 0) throw new Error(`op '${op.name}' was called without inputs`);
  const first = inputs[0]!;
  inputs.forEach((t, i) => {
    t.assertAlive(`input ${i} of op '${op.name}'`);
    if (t.device !== first.device) {
      throw new Error(`op '${op.name}' got inputs on different devices: input 0 ${first.describe()} is on '${first.device.name}', ` +
        `input ${i} ${t.describe()} is on '${t.device.name}'. Move one with .to('${first.device.name}') first`);
    }
  });
  return first.device;
}

function runKernel<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A, device: Device): Tensor[] {
  const specs = op.infer(inputs, attrs);
  const kernel = findKernel(op, device.name);
  if (!kernel) {
    if (fallbackAllowed(device) && findKernel(op, 'cpu')) {
      countFallback(op.name, device.name);
      const cpu = getDevice('cpu');
      const onCpu = inputs.map((t) => moveRaw(t, cpu));
      const results = runKernel(op, onCpu, attrs, cpu);
      onCpu.forEach((t) => t.dispose());
      return results.map((t) => { const back = moveRaw(t, device); t.dispose(); return back; });
    }
    throw new MissingKernelError(op as unknown as AnyOpDef, device.name, device.name === 'cpu' ? '' : fallbackAdvice(device), !device.memory.readSync);
  }
  const ready = kernel.stridedInputs ? inputs : inputs.map((t) => (t.isContiguous ? t : contiguousRaw(t)));
  const outputs = specs.map((s) => Tensor.empty(s.shape, s.dtype, device));
  kernel.run({ inputs: ready, outputs, attrs, device });
  ready.forEach((t, i) => { if (t !== inputs[i]) t.dispose(); });
  return outputs;
}

/** A contiguous copy made by the device's own Contiguous kernel, off the tape. */
export function contiguousRaw(t: Tensor): Tensor {
  return runKernel(Contiguous, [t], {}, t.device)[0]!;
}

/** Copies a tensor's elements to another device, off the tape: a read from one device's memory, a write to the other's. */
export function moveRaw(t: Tensor, device: Device): Tensor {
  if (!t.device.memory.readSync) {
    throw new Error(`cannot move ${t.describe()} to '${device.name}' synchronously: device '${t.device.name}' reads its memory ` +
      `asynchronously. Use \`await tensor.toAsync('${device.name}')\` (or \`await tensor.data()\` for the values)`);
  }
  const values = t.toArray();
  const out = Tensor.empty(t.shape, t.dtype, device);
  writeTensor(out, values);
  return out;
}

/** True when a tensor's values can carry a gradient. */
export function canRequireGrad(t: Tensor): boolean {
  return isFloatingPoint(t.dtype);
}
