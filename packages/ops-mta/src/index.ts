/**
 * @mta/ops-mta: the MTA op family, platform-neutral (the browser's entry; Node's, index.node.ts, adds
 * worker threads and golden file loading). Importing it registers nothing: call `registerMta()`, or
 * import '@mta/ops-mta/register' once at your program's entry. Nothing reachable from here may import a
 * node: module (the packaging test bundles it for the browser).
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
export type { RegisterMtaOptions } from './registration.js';
export * from './kernels/register-all.js';
export { allFinite, maxAbs, relFrobenius } from './golden/error-metrics.js';
export type { GoldenCase, GoldenDType, GoldenSuite, GoldenTensor } from './golden/manifest.js';
export { toMtaConfig, toMtaGeometry } from './golden/to-config.js';
export {
  allocateMtaArray, mtaBackward, mtaCpuKernelInfo, mtaForward, MtaCpuWorkspace,
  type AllocateOptions, type MtaDType, type MtaCpuWorkspaceOptions,
  type MtaArray, type MtaBackwardOutputs, type MtaBackwardResult, type MtaForwardOutputs, type MtaForwardResult, type MtaInferenceOutputs, type MtaInferenceResult, type MtaRecomputeSaved, type MtaSaved,
} from './kernels/cpu/index.js';
export * from './kernels/npu/index.js';
export { registerMta } from './registration.js';
export { startMtaCpuThreads } from './kernels/cpu/threads.browser.js';
export { startMtaNpuThreads } from './kernels/npu/threads.browser.js';
