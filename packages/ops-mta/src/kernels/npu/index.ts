export { registerNpuMtaKernels } from './register.js';
