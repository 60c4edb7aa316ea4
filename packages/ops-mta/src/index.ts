/**
 * @mta/ops-mta: the MTA op family. Importing it registers nothing: call `registerMta()`, or import
 * '@mta/ops-mta/register' once at your program's entry.
 */
export * from './config.js';
export * from './errors.js';
export * from './geometry.js';
export * from './call-geometry.js';
export * from './options.js';
export * from './ops.js';
export * from './mta.js';
export * from './composite.js';
export { MultiTokenAttention, type MtaModuleOptions } from './module.js';
export * from './onnx/index.js';
export { registerMtaOnnxLowerings } from './onnx/register.js';
// Until every entry point imports '@mta/ops-mta/register' itself (examples), the index still registers.
import './register.js';
export { registerMta, type RegisterMtaOptions } from './registration.js';
export * from './kernels/register-all.js';
export * from './golden/index.js';
export { mtaForward, mtaBackward, MtaCpuPool, MtaCpuWorkspace } from './kernels/cpu/index.js';
