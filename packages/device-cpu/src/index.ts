/**
 * @mta/device-cpu: the reference device. Importing this module registers nothing: call `registerCpu()`,
 * or import '@mta/device-cpu/register' once at your program's entry.
 */
export { cpuArena, cpuDevice, registerCpu } from './device.js';
export { registerCpuKernels } from './kernels/register-all.js';
export { gemm } from './kernels/matmul.js';
