import { runBackwardItem, type BackwardJob } from './backward-item.js';
import { runForwardItem, type ForwardJob } from './forward-item.js';
import { scratchFor } from './scratch.js';

/** One fused kernel call, cut into plan.items independent work items (see plan.ts). */
export type MtaJob = ForwardJob | BackwardJob;

/** Runs one work item on the calling thread, with that thread's scratch. */
export function runJobItem(job: MtaJob, item: number): void {
  const scratch = scratchFor(job.plan);
  if (job.kind === 'forward') runForwardItem(job, scratch, item);
  else runBackwardItem(job, scratch, item);
}

/** Runs every item in order on the calling thread. */
export function runJobSync(job: MtaJob): void {
  for (let item = 0; item < job.plan.items.length; item++) runJobItem(job, item);
}
