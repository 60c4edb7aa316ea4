import { registerCpu } from '@mta/device-cpu';
import { registerNpu } from '@mta/device-npu';
import { registerMtaKernels } from './kernels/register-all.js';
import { startMtaCpuThreads } from './kernels/cpu/register.js';
import { registerMtaOnnxLowerings } from './onnx/register.js';

export interface RegisterMtaOptions {
  /** Start the cpu worker pool in the background (default: unless MTA_CPU_THREADS=1). */
  readonly threads?: boolean;
}

/**
 * Everything the MTA op family needs, registered explicitly: the cpu and npu devices, the MTA kernels on
 * each, and the ONNX lowerings. Returns one disposer. Idempotent while registered.
 */
export function registerMta(options: RegisterMtaOptions = {}): () => void {
  const disposers = [registerCpu(), registerNpu(), registerMtaKernels(), registerMtaOnnxLowerings()];
  if (options.threads ?? process.env.MTA_CPU_THREADS !== '1') void startMtaCpuThreads();
  return () => disposers.reverse().forEach((d) => d());
}
