/**
 * The benchmark's backends, one row each. Adding a backend is one row: another device of ours is
 * `createDeviceBackend({ device, impl })`, another ONNX Runtime is `createOrtBackend(name)`, another tfjs
 * backend `createTfjsBackend(name)`; a new kind of runtime also needs a file here returning a `BenchBackend`
 * (see types.ts, and tfjs-common.ts for an example). `create` imports lazily, so a run with --backends x
 * never loads the other backends' runtimes.
 * Order matters: it is the column order of the table, and the first peer present is the cross-check
 * reference unless tfjs-wasm ran.
 */
import type { BenchBackendEntry } from '../types';

const WEBGPU_OPT_IN = 'needs a WebGPU adapter (a Vulkan driver; SwiftShader works but times a CPU): name it in --backends';

export const BENCH_BACKENDS: readonly BenchBackendEntry[] = [
  {
    name: 'tfjs-wasm',
    kind: 'peer',
    summary: 'TensorFlow.js 4.22, wasm backend (SIMD, 1 thread under Node)',
    phases: ['forward', 'forward+backward'],
    // The reference peer: see REFERENCE_BACKEND below.
    create: async () => (await import('./tfjs-common')).createTfjsBackend('wasm'),
  },
  {
    name: 'tfjs-cpu',
    kind: 'peer',
    summary: 'TensorFlow.js 4.22, cpu backend (plain JS)',
    phases: ['forward', 'forward+backward'],
    // ~5 s forward and ~50 s forward+backward at L = 1024 (benchmarks.md): capped unless --no-cap.
    defaultMaxL: 512,
    repeats: 3,
    create: async () => (await import('./tfjs-common')).createTfjsBackend('cpu'),
  },
  {
    name: 'ort-node',
    kind: 'peer',
    summary: 'onnxruntime-node 1.30, CPU execution provider, exported forward graph',
    phases: ['forward'],
    create: async () => (await import('./ort-common')).createOrtBackend('ort-node'),
  },
  {
    name: 'ort-web',
    kind: 'peer',
    summary: 'onnxruntime-web 1.30 under Node, wasm, 1 thread, exported forward graph',
    phases: ['forward'],
    create: async () => (await import('./ort-common')).createOrtBackend('ort-web'),
  },
  {
    name: 'ort-webgpu',
    kind: 'peer',
    summary: 'onnxruntime-node 1.30, WebGPU execution provider (node placement checked from its profile), exported forward graph, host to host',
    phases: ['forward'],
    optIn: WEBGPU_OPT_IN,
    create: async () => (await import('./ort-common')).createOrtBackend('ort-webgpu'),
  },
  {
    name: 'torch',
    kind: 'peer',
    summary: 'PyTorch CPU eager through python3 (opt-in: --peers torch; skipped with the reason where torch cannot be imported)',
    phases: ['forward', 'forward+backward'],
    optIn: 'PyTorch CPU through python3: add it with --peers torch (skipped with the reason where torch cannot be imported)',
    create: async () => (await import('./torch')).createTorchBackend(),
  },
  {
    name: 'cpu',
    kind: 'ours',
    summary: "@mta cpu device, multiTokenAttention impl 'auto' (the fused kernel when registered)",
    phases: ['forward', 'forward+backward'],
    // The fused cpu kernel when one is registered, else the composite; describe() says which ran.
    create: async () => (await import('./device-backend')).createDeviceBackend({ device: 'cpu', impl: 'auto' }),
  },
  {
    name: 'cpu-composite',
    kind: 'ours',
    summary: "@mta cpu device, multiTokenAttention impl 'composite' (reference path of core primitives)",
    phases: ['forward', 'forward+backward'],
    create: async () => (await import('./device-backend')).createDeviceBackend({ device: 'cpu', impl: 'composite' }),
  },
  {
    name: 'webgpu',
    kind: 'ours',
    summary: '@mta webgpu device, fused WGSL MTA kernels, device-resident (inputs uploaded once; each run ends when the GPU queue is done)',
    phases: ['forward', 'forward+backward'],
    optIn: WEBGPU_OPT_IN,
    create: async () => (await import('./webgpu')).createWebgpuBackend('resident'),
  },
  {
    name: 'webgpu-host',
    kind: 'ours',
    summary: '@mta webgpu device, fused WGSL MTA kernels, host to host (each run uploads its inputs and reads every result back)',
    phases: ['forward', 'forward+backward'],
    optIn: WEBGPU_OPT_IN,
    create: async () => (await import('./webgpu')).createWebgpuBackend('host'),
  },
  {
    name: 'npu',
    kind: 'ours',
    summary: '@mta npu device (simulated Ascend NPU; wall time of the simulator on the host)',
    phases: ['forward', 'forward+backward'],
    create: async () => (await import('./npu')).createNpuBackend(),
  },
];

/** The backend whose results the others are checked against and whose times the table divides by. */
export const REFERENCE_BACKEND = 'tfjs-wasm';
