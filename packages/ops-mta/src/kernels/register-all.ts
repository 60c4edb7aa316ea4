import '@mta/device-cpu';
import '@mta/device-npu';
import { registerCpuMtaKernels, startMtaCpuThreads } from './cpu/register.js';
import { registerNpuMtaKernels } from './npu/register.js';

/** Importing @mta/ops-mta registers the cpu and npu devices and the MTA kernels on each. */
registerCpuMtaKernels();
registerNpuMtaKernels();
if (process.env.MTA_CPU_THREADS !== '1') void startMtaCpuThreads();

export { registerCpuMtaKernels, registerNpuMtaKernels, startMtaCpuThreads };
