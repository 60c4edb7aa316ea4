import { registerCpuMtaKernels } from './cpu/register.js';
import { registerNpuMtaKernels } from './npu/register.js';

/** Registers the MTA kernels on cpu and npu; returns one disposer. The devices register themselves (see register.ts). */
export function registerMtaKernels(): () => void {
  const disposers = [registerCpuMtaKernels(), registerNpuMtaKernels()];
  return () => disposers.forEach((d) => d());
}

export { registerCpuMtaKernels, registerNpuMtaKernels };
