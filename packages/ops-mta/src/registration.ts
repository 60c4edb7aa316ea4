import { registerCpu } from '@mta/device-cpu';
import { registerNpu } from '@mta/device-npu';
import { registerMtaKernels } from './kernels/register-all.js';
import { registerMtaOnnxLowerings } from './onnx/register.js';

export interface RegisterMtaOptions {
  /** Node: start the cpu and npu worker pools in the background (default: unless MTA_CPU_THREADS=1 / MTA_NPU_THREADS=1). Ignored in browsers. */
  readonly threads?: boolean;
}

/**
 * Everything the MTA op family needs, registered explicitly: the cpu and npu devices, the MTA kernels on
 * each, and the ONNX lowerings. Returns one disposer. Idempotent while registered. This is the
 * platform-neutral part, the browser build's `registerMta`; Node's (registration-node.ts) adds threads.
 */
export function registerMta(_options: RegisterMtaOptions = {}): () => void {
  const disposers = [registerCpu(), registerNpu(), registerMtaKernels(), registerMtaOnnxLowerings()];
  return () => disposers.reverse().forEach((d) => d());
}
