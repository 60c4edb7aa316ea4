import type { F32ScratchBlock } from './scratch-f32.js';

/**
 * Where the float32 loops find a job's maps and scratch, decided once per call on the calling thread
 * (fused.ts) and posted with the job: the byte address of each map in the cpu arena (the loops read and
 * write its rows in place), or -1 for a map outside it (its rows are staged through scratch rows).
 * `scratch` null: no arena here; every thread uses its private memory and stages every row.
 */
export interface F32Placement {
  readonly scratch: F32ScratchBlock | null;
  readonly scores: number;
  readonly out: number;
  readonly probs: number;
  readonly gradOut: number;
  readonly gradScores: number;
}

/** Nothing in the arena: what a job built without a placement gets. */
export const UNPLACED: F32Placement = { scratch: null, scores: -1, out: -1, probs: -1, gradOut: -1, gradScores: -1 };
