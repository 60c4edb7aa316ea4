import { startMtaCpuThreads } from './kernels/cpu/threads.js';
import { registerMta as registerPortable, type RegisterMtaOptions } from './registration.js';

/** Node's `registerMta`: the platform-neutral registration, then the cpu worker pool in the background. */
export function registerMta(options: RegisterMtaOptions = {}): () => void {
  const dispose = registerPortable(options);
  if (options.threads ?? process.env['MTA_CPU_THREADS'] !== '1') void startMtaCpuThreads();
  return dispose;
}
