import { startMtaCpuThreads } from './kernels/cpu/threads.js';
import { cpuThreadsFromEnv } from './kernels/cpu/threads-env.js';
import { npuThreadsFromEnv, startMtaNpuThreads } from './kernels/npu/threads.js';
import { registerMta as registerPortable, type RegisterMtaOptions } from './registration.js';

/** Node's `registerMta`: the platform-neutral registration, then the cpu and npu worker pools in the background. */
export function registerMta(options: RegisterMtaOptions = {}): () => void {
  // Read MTA_CPU_THREADS before registering anything, so that a malformed value throws with nothing half done.
  const threads = (options.threads ?? process.env['MTA_CPU_THREADS'] !== '1') ? cpuThreadsFromEnv() : 1;
  const npuThreads = options.threads === false ? 1 : npuThreadsFromEnv();
  const dispose = registerPortable(options);
  if (threads > 1) void startMtaCpuThreads(threads);
  if (npuThreads > 1) void startMtaNpuThreads(npuThreads);
  return dispose;
}
