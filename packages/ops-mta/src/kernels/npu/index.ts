export { registerNpuMtaKernels } from './register';
