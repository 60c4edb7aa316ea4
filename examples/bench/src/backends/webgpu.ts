/**
 * Our webgpu device as a benchmark backend: the fused WGSL MTA kernels (`@mta/ops-mta/webgpu`). Two rows use it
 * (index.ts): device-resident (inputs uploaded once, each timed run ends when the GPU queue is done) and host to
 * host (each run uploads the inputs and reads every result back). Each phase's first warm-up run is reported as
 * its first call: at a new L it compiles that L's pipelines (the shaders bake the geometry in).
 *
 * extraInfo after a run: gpuPeakBytes, the peak of live GPU bytes during the last run (inputs, outputs, saved
 * map and scratch; the caching allocator's idle pool not counted), gpuPooledBytes, and pipelines, the number of
 * compiled pipelines so far in the process.
 */
import { webgpuContext, webgpuMemory, webgpuStatus } from '@mta/device-webgpu';
import { registerMtaWebgpu } from '@mta/ops-mta/webgpu';
import type { BenchBackend } from '../types';
import { createDeviceBackend, type LastRunStats } from './device-backend';

const gpuMemory: LastRunStats = {
  reset: () => webgpuMemory.resetPeak(),
  read() {
    const c = webgpuMemory.counters();
    return { gpuPeakBytes: c.peakBytes, gpuPooledBytes: c.pooledBytes, pipelines: webgpuContext().pipelineCount };
  },
};

export function createWebgpuBackend(transfer: 'resident' | 'host'): BenchBackend {
  return createDeviceBackend({
    device: 'webgpu',
    impl: 'fused',
    needsFusedKernel: true,
    lastRunStats: gpuMemory,
    transfer,
    // The op returns once its work is queued; a timed run lasts until the GPU has finished it. A command that
    // failed (and so did nothing, fast) makes the run an error rather than a time.
    settle: () => webgpuContext().settle('webgpu bench run'),
    beforeSetup: async () => void registerMtaWebgpu(),
    describeDevice: () => {
      const ctx = webgpuContext();
      return `adapter ${webgpuStatus().adapter ?? 'unknown'}, workgroup size ${ctx.limits.workgroupSize}, ` +
        `largest storage binding ${(ctx.limits.maxStorageBindingBytes / 2 ** 20).toFixed(0)} MiB`;
    },
  });
}
