/**
 * @mta/ops-mta on Node (the `node` export condition): the platform-neutral API of index.ts, with
 * `registerMta` and `startMtaCpuThreads` that run large cpu calls on a worker_threads pool, and the
 * golden file loader (node:fs). The explicit exports below take precedence over index.ts's.
 */
export * from './index.js';
export { registerMta } from './registration-node.js';
export { startMtaCpuThreads } from './kernels/cpu/threads.js';
export { cpuThreadsFromEnv, THREADS_ENV_VAR } from './kernels/cpu/threads-env.js';
export { MtaCpuPool, type MtaCpuPoolOptions } from './kernels/cpu/pool.js';
export { startMtaNpuThreads, npuThreadsFromEnv, NPU_THREADS_ENV_VAR } from './kernels/npu/threads.js';
export { NpuThreadPool, type NpuThreadPoolOptions } from './kernels/npu/pool.js';
export { GOLDEN_FORMAT, GoldenFormatError, loadGoldenManifest } from './golden/manifest.js';
export { defaultGoldenManifestPath } from './golden/default-path.js';
