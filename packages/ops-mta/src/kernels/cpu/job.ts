import { runBackwardItem, type BackwardJob } from './backward-item.js';
import { runBackwardItemF32 } from './backward-item-f32.js';
import type { MtaCpuPlan } from './plan.js';
import { runForwardItem, type ForwardJob } from './forward-item.js';
import { runForwardItemF32 } from './forward-item-f32.js';
import { f32RowKernelsEnabled, f32ScratchFor } from './scratch-f32.js';
import { scratchFor, simdRowKernelsEnabled } from './scratch.js';
import { f32RowModule } from './wasm-rows-f32.js';

/** One fused kernel call, cut into plan.items independent work items (see plan.ts). */
export type MtaJob = ForwardJob | BackwardJob;

/**
 * Whether the job runs on the f32x4 wasm loops: float32 data, softmax, a 3-wide kernel with column
 * dilation 1, and wasm SIMD on this engine. Every thread decides the same way (the decision depends on the
 * job and the engine only), so thread counts still agree bit for bit.
 */
export function f32RowKernelsActive(plan: MtaCpuPlan): boolean {
  const { geometry } = plan;
  if (geometry.dtype !== 'float32' || geometry.sparse || geometry.kW !== 3 || geometry.dw !== 1) return false;
  return f32RowKernelsEnabled() && simdRowKernelsEnabled() && f32RowModule() !== null;
}

/** Runs one work item on the calling thread, with that thread's scratch. */
export function runJobItem(job: MtaJob, item: number): void {
  if (f32RowKernelsActive(job.plan)) {
    const f32 = f32ScratchFor(job.plan, job.f32?.scratch ?? null);
    if (f32 !== null) {
      if (job.kind === 'forward') runForwardItemF32(job, f32, item);
      else runBackwardItemF32(job, f32, item);
      return;
    }
  }
  const scratch = scratchFor(job.plan);
  if (job.kind === 'forward') runForwardItem(job, scratch, item);
  else runBackwardItem(job, scratch, item);
}

/** Runs every item in order on the calling thread. */
export function runJobSync(job: MtaJob): void {
  for (let item = 0; item < job.plan.items.length; item++) runJobItem(job, item);
}
