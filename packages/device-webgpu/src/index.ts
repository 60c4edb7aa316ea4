/**
 * @mta/device-webgpu: the `webgpu` device. Importing this module registers nothing: call `registerWebgpu()`
 * (or import '@mta/device-webgpu/register'), then `await initDevice('webgpu')`.
 */
/// <reference types="@webgpu/types" />
export { registerWebgpu, releaseWebgpu, setGpuSource, webgpuDevice, webgpuMemory, webgpuStatus } from './device.js';
export { webgpuContext } from './active-context.js';
export { WebgpuContext, type WebgpuLimits } from './context.js';
export { ComputeBatch, type StorageBinding } from './compute-batch.js';
export type { PassTime } from './pass-timer.js';
export { GpuBuffer, GpuMemory } from './gpu-memory.js';
export { defaultGpuSource, type GpuSource } from './gpu-source.js';
export { NoWebgpuAdapterError, noAdapterReason } from './no-adapter.js';
export { WebgpuDtypeError, WebgpuKernelError } from './errors.js';
export { matmulTiles, type MatmulTiles } from './kernels/matmul.js';
export { sizeClass } from './size-class.js';
export { memoizeShaderSource } from './shader-source.js';
export { elementwiseMain, linearIndexPrelude, stridedOffsetFn, workgroupsFor } from './kernels/wgsl.js';
export { HALF_CODEC, halfBitsLoadFn } from './kernels/half-wgsl.js';
export { registerWebgpuKernels } from './kernels/register-all.js';
