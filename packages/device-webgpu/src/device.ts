import { Device, registerDevice, type Availability } from '@mta/core';
import { activeContext, setActiveContext, setUnavailable, unavailableReason } from './active-context.js';
import { WebgpuContext } from './context.js';
import { defaultGpuSource, type GpuSource } from './gpu-source.js';
import { GpuMemory } from './gpu-memory.js';
import { registerWebgpuKernels } from './kernels/register-all.js';
import { NoWebgpuAdapterError } from './no-adapter.js';

/**
 * The webgpu device: tensors live in GPU buffers (GpuMemory), kernels are WGSL compute shaders submitted in
 * queue order, results come back with `await tensor.data()`. It initialises asynchronously (asking for an
 * adapter is a promise): `await initDevice('webgpu')` before the first tensor. Ops without a webgpu kernel
 * are refused rather than run on cpu, since the fallback's copies read synchronously.
 */
// MTA_WEBGPU_MAX_POOLED_BYTES: how much freed GPU memory the caching allocator may park for reuse (default 2 GiB),
// or, when larger, the peak working set less what is live. Before the pool could keep the working set, buffers
// freed beyond 2 GiB were destroyed and created again each call, which on the H200 dominated calls whose maps
// are 2 GiB each (L = 8192).
const memory = new GpuMemory(positiveIntegerFromEnv('MTA_WEBGPU_MAX_POOLED_BYTES'));
let gpuSource: GpuSource = defaultGpuSource;

async function initialise(): Promise<void> {
  const { gpu, tried } = await gpuSource();
  const adapter = gpu ? await gpu.requestAdapter({ powerPreference: 'high-performance' }) : null;
  if (!adapter) {
    const error = new NoWebgpuAdapterError(tried);
    setUnavailable(error.message);
    throw error;
  }
  const a = adapter.limits;
  // Ask for what the adapter has, not WebGPU's defaults (128 MiB bindings would cap L near 2,900 at C = 4).
  // timestamp-query lets a kernel author time each pass on the GPU (WebgpuContext.startPassTiming); asked for where offered.
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
      maxBufferSize: a.maxBufferSize,
      maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: a.maxComputeWorkgroupSizeX,
      maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage,
    },
  });
  const info = adapter.info;
  const software = info.architecture === 'swiftshader' || /swiftshader/i.test(info.description) || (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  // MTA_WEBGPU_GPU_KERNELS=1 runs the kernels a GPU gets (tiled in workgroup memory) on a software adapter: tests of those paths.
  const cpuKernels = software && !(typeof process !== 'undefined' && process.env?.['MTA_WEBGPU_GPU_KERNELS'] === '1');
  // The context holds `gpu` too: Dawn tears its instance down when the object returned by create() is
  // collected, which under a busy garbage collector crashed the process while its device was in use.
  const ctx = new WebgpuContext(gpu!, device, memory, `${info.vendor || 'unknown vendor'} / ${info.architecture || info.description || 'unknown'}`, positiveIntegerFromEnv('MTA_WEBGPU_WORKGROUP_SIZE') ?? (software ? 32 : 256),
    positiveIntegerFromEnv('MTA_WEBGPU_MAX_BINDING_BYTES'), cpuKernels);
  void device.lost.then((lost) => {
    if (activeContext() !== ctx) return; // released on purpose
    setUnavailable(`the GPU device was lost (${lost.reason}): ${lost.message}`);
    setActiveContext(null);
    memory.attach(null);
  });
  memory.attach({ device, firstError: () => ctx.firstError(), faults: ctx.faults });
  setActiveContext(ctx);
}

/**
 * Node settings read at initialisation (MTA_WEBGPU_MAX_POOLED_BYTES when the module loads): MTA_WEBGPU_WORKGROUP_SIZE replaces the adapter-based workgroup size
 * (tuning on a GPU; tests that run the hardware size, 256, on a software adapter); MTA_WEBGPU_MAX_BINDING_BYTES
 * caps the largest storage binding kernels plan for (tests of the paths that split a call).
 */
function positiveIntegerFromEnv(name: string): number | undefined {
  const value = typeof process === 'undefined' ? undefined : process.env?.[name];
  const n = Number(value);
  return value && Number.isInteger(n) && n > 0 ? n : undefined;
}

function availability(): Availability {
  const reason = unavailableReason();
  return reason === null ? { available: true } : { available: false, reason };
}

export const webgpuDevice = new Device({
  name: 'webgpu',
  description: 'WebGPU (WGSL compute; Dawn in Node, navigator.gpu in browsers)',
  memory,
  init: initialise,
  availability,
  fallback: 'error',
});

/** The webgpu device's memory (counters, emptyCache), typed as what it is. */
export const webgpuMemory: GpuMemory = memory;

/**
 * Registers the webgpu device and its primitive kernels; returns a disposer that removes both. Nothing
 * touches a GPU until `await initDevice('webgpu')`. Idempotent while registered.
 */
export function registerWebgpu(): () => void {
  const disposeDevice = registerDevice(webgpuDevice);
  const disposeKernels = registerWebgpuKernels();
  return () => { disposeKernels(); disposeDevice(); };
}

/** Whether `initDevice('webgpu')` succeeded, or why it failed. Starts nothing. */
export function webgpuStatus(): { readonly ready: boolean; readonly reason?: string; readonly adapter?: string } {
  const ctx = activeContext();
  if (ctx) return { ready: true, adapter: ctx.adapterInfo };
  const reason = unavailableReason();
  return reason === null ? { ready: false } : { ready: false, reason };
}

/**
 * Destroys the GPU device and forgets the adapter and any failure (Node keeps the process alive while a
 * Dawn device lives). Tensors on the device become unusable; a later `initDevice('webgpu')` starts afresh.
 */
export function releaseWebgpu(): void {
  const ctx = activeContext();
  setActiveContext(null);
  setUnavailable(null);
  memory.attach(null);
  ctx?.device.destroy();
  webgpuDevice.forgetInit();
}

/**
 * Where the next initialisation gets its GPU (null: the default, navigator.gpu else Dawn). Takes effect
 * after `releaseWebgpu()`; tests use it to stand in a host without an adapter.
 */
export function setGpuSource(source: GpuSource | null): void {
  gpuSource = source ?? defaultGpuSource;
}
