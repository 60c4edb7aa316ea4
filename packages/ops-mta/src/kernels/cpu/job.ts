import { runBackwardItem, type BackwardJob } from './backward-item.js';
import { runBackwardItemF32 } from './backward-item-f32.js';
import type { MtaCpuPlan } from './plan.js';
import { runForwardItem, type ForwardJob } from './forward-item.js';
import { runForwardItemF32 } from './forward-item-f32.js';
import { f32RowKernelsEnabled, f32ScratchFor, type F32Scratch } from './scratch-f32.js';
import { scratchFor, simdRowKernelsEnabled } from './scratch.js';

/** One fused kernel call, cut into plan.items independent work items (see plan.ts). */
export type MtaJob = ForwardJob | BackwardJob;

/**
 * The float32 scratch when the job runs on the f32x4 wasm loops: float32 data, softmax, a 3-wide
 * kernel with column dilation 1, and wasm SIMD on this engine. Every thread decides the same way
 * (the decision depends on the job and the engine only), so thread counts still agree bit for bit.
 */
function f32ScratchForPlan(plan: MtaCpuPlan): F32Scratch | null {
  const { geometry } = plan;
  if (geometry.dtype !== 'float32' || geometry.sparse || geometry.kW !== 3 || geometry.dw !== 1) return null;
  if (!f32RowKernelsEnabled() || !simdRowKernelsEnabled()) return null;
  return f32ScratchFor(plan);
}

/** Runs one work item on the calling thread, with that thread's scratch. */
export function runJobItem(job: MtaJob, item: number): void {
  const f32 = f32ScratchForPlan(job.plan);
  if (f32 !== null) {
    if (job.kind === 'forward') runForwardItemF32(job, f32, item);
    else runBackwardItemF32(job, f32, item);
    return;
  }
  const scratch = scratchFor(job.plan);
  if (job.kind === 'forward') runForwardItem(job, scratch, item);
  else runBackwardItem(job, scratch, item);
}

/** Whether float32 jobs of this plan run on the f32x4 loops on this thread (tests, the bench's labels). */
export function f32RowKernelsActive(plan: MtaCpuPlan): boolean {
  return f32ScratchForPlan(plan) !== null;
}

/** Runs every item in order on the calling thread. */
export function runJobSync(job: MtaJob): void {
  for (let item = 0; item < job.plan.items.length; item++) runJobItem(job, item);
}
