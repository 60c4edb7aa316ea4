import type { GpuMemory } from './gpu-memory.js';
import { BufferUsage } from './gpu-flags.js';
import { KERNEL_FAULT_WORDS } from './kernel-faults.js';
import { PassTimer, type PassTime } from './pass-timer.js';
import { BindGroupCache } from './bind-group-cache.js';

/**
 * What kernels get from an initialised webgpu device: the GPUDevice, its limits (tile sizes come from
 * them, never from the problem size alone), the memory (for scratch buffers) and a pipeline cache.
 */
export interface WebgpuLimits {
  /** Invocations per workgroup kernels use: a power of two within the adapter's maxima (256 on GPUs, 32 on a CPU-based adapter). */
  readonly workgroupSize: number;
  readonly maxWorkgroupStorageBytes: number;
  readonly maxWorkgroupsPerDimension: number;
  readonly maxStorageBindingBytes: number;
  /** Byte alignment of a storage binding's offset. */
  readonly storageOffsetAlignment: number;
  /**
   * A CPU-based adapter (SwiftShader): a workgroup runs as fibers on one core and every barrier switches
   * them all, so staging tiles in workgroup memory costs more than the cache-backed storage reads it
   * saves (the direct matmul ran 2 to 4 times faster there than the tiled one).
   */
  readonly software: boolean;
}

export class WebgpuContext {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  /** Bind groups of recent dispatches, reused when a call binds the same buffers again (bind-group-cache.ts). */
  readonly bindGroups: BindGroupCache;
  private error: Error | null = null;
  readonly limits: WebgpuLimits;
  /**
   * Where kernels record what they found wrong (an index out of range): the GPU cannot throw at the call,
   * so the next read reports it (see kernel-faults.ts). Zero while nothing is wrong.
   */
  readonly faults: GPUBuffer;

  /**
   * @param preferredWorkgroupSize 256 on GPUs; a software adapter (SwiftShader) runs a workgroup's
   * invocations as fibers on a CPU core, where every barrier switches them all: 32 there ran the MTA
   * backward 10 to 60 times faster than 256.
   */
  constructor(
    readonly gpu: GPU, readonly device: GPUDevice, readonly memory: GpuMemory, readonly adapterInfo: string,
    preferredWorkgroupSize = 256,
    /** Caps the largest binding kernels plan for below the adapter's (tests of the split paths). */
    maxBindingBytes = Number.POSITIVE_INFINITY,
    software = false,
  ) {
    const l = device.limits;
    let workgroupSize = 1;
    while (workgroupSize * 2 <= Math.min(preferredWorkgroupSize, l.maxComputeInvocationsPerWorkgroup, l.maxComputeWorkgroupSizeX)) workgroupSize *= 2;
    this.limits = {
      workgroupSize,
      maxWorkgroupStorageBytes: l.maxComputeWorkgroupStorageSize,
      maxWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBindingBytes: Math.min(l.maxStorageBufferBindingSize, maxBindingBytes),
      storageOffsetAlignment: l.minStorageBufferOffsetAlignment,
      software,
    };
    this.bindGroups = new BindGroupCache(device);
    this.faults = device.createBuffer({ size: KERNEL_FAULT_WORDS * 4, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST });
    device.addEventListener('uncapturederror', (event) => {
      const e = (event as GPUUncapturedErrorEvent).error;
      this.error ??= new Error(e.message);
    });
  }

  /** The first GPU error reported since start (validation, out of memory), or null. */
  firstError(): Error | null {
    return this.error;
  }

  /**
   * Resolves when the GPU has finished the work queued so far, and rejects if any GPU command has failed:
   * for timing loops that never read results back, where a failed command would time as a fast call that
   * did nothing. `what` names the caller in the error.
   */
  async settle(what: string): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
    if (this.error) throw new Error(`${what}: a GPU command failed, so this run did not do its work: ${this.error.message}`);
  }

  /** The compute pipeline of a WGSL source, compiled once (a kernel variant is its source text). */
  pipeline(wgsl: string, label: string): GPUComputePipeline {
    let pipeline = this.pipelines.get(wgsl);
    if (!pipeline) {
      const module = this.device.createShaderModule({ code: wgsl, label });
      pipeline = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label });
      this.pipelines.set(wgsl, pipeline);
    }
    return pipeline;
  }

  /** Set while passes are timed: every ComputeBatch then records GPU timestamps around each pass. */
  passTimer: PassTimer | null = null;

  /**
   * Starts timing every compute pass on the GPU (needs the adapter's `timestamp-query` feature, which the
   * device requests when the adapter has it). For finding the slow pass of a kernel, not for the bench's
   * wall-clock rows: the timestamps add a resolve and a readback to every batch. They guide; the wall clock
   * decides: on the H200 one pass's timestamps read 2.6 to 7.4 ms between repeats while the wall clock showed
   * it slower than the pass it was meant to replace (bench/h200/2026-12-03-kernels).
   */
  startPassTiming(): void {
    if (!this.device.features.has('timestamp-query')) {
      throw new Error(`webgpu: this adapter (${this.adapterInfo}) has no 'timestamp-query' feature, so passes cannot be timed on the GPU; ` +
        'time calls with queue.onSubmittedWorkDone() instead');
    }
    this.passTimer = new PassTimer(this.device);
  }

  /** Stops timing and returns the GPU milliseconds per pass label, slowest first. */
  async stopPassTiming(): Promise<{ passes: PassTime[]; untimedPasses: number }> {
    const timer = this.passTimer;
    if (!timer) throw new Error('webgpu: stopPassTiming() without startPassTiming()');
    this.passTimer = null;
    return timer.collect();
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  /**
   * Workgroup counts for `groups` workgroups: x up to the per-dimension limit, the rest in y (kernels
   * rebuild the linear index from `num_workgroups`).
   */
  grid(groups: number): [number, number, number] {
    const max = this.limits.maxWorkgroupsPerDimension;
    if (groups <= max) return [Math.max(1, groups), 1, 1];
    return [max, Math.ceil(groups / max), 1];
  }
}
