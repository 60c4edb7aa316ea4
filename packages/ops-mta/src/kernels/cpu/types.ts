import type { MtaGeometry } from '../../geometry.js';

/** The element types the fused CPU kernels run on. Outputs always have the type of the matching input. */
export type MtaArray = Float32Array | Float64Array;

/**
 * What the forward keeps for the backward: one (B, C, L, L) probability map.
 * - post: P = softmax|sparsemax of the masked scores, (B, Cin, L, L);
 * - pre: the output O itself (it is the probability map), (B, Cout, L, L); the caller keeps the scores.
 * Entries with j > i are exact zeros.
 */
export interface MtaSaved<T extends MtaArray> {
  /** The forward's geometry: the backward runs the same call (mode, bias, sizes) without re-deriving it. */
  readonly geometry: MtaGeometry;
  readonly probs: T;
}

/**
 * Post mode only: nothing saved, the backward recomputes P row by row from the forward's scores (its
 * `scores` argument), exactly as the forward computed it (same loops, same bits). What the cpu device's
 * autograd saves: the scores are an input the tape keeps anyway, so the step holds no map of its own.
 */
export interface MtaRecomputeSaved {
  readonly geometry: MtaGeometry;
  readonly probs: null;
}

export interface MtaForwardResult<T extends MtaArray> {
  /** (B, Cout, L, L). */
  readonly out: T;
  readonly saved: MtaSaved<T>;
}

/** Preallocated forward outputs. Every element is overwritten, so recycled buffers are fine. */
export interface MtaForwardOutputs<T extends MtaArray> {
  /** (B, Cout, L, L). */
  readonly out?: T;
  /** Post mode only: the saved (B, Cin, L, L) probability map. Ignored in pre mode (the output is the map). */
  readonly probs?: T;
}

/**
 * Forward outputs of an inference call: `probs: null` says no backward will follow, so post mode neither
 * allocates nor writes P (a map less of memory and of memory traffic).
 */
export interface MtaInferenceOutputs<T extends MtaArray> {
  /** (B, Cout, L, L). */
  readonly out?: T;
  readonly probs: null;
}

export interface MtaInferenceResult<T extends MtaArray> {
  /** (B, Cout, L, L). */
  readonly out: T;
  /** Pre mode: as MtaForwardResult (the output is the map). Post mode: null, nothing was saved. */
  readonly saved: MtaSaved<T> | null;
}

export interface MtaBackwardResult<T extends MtaArray, W extends MtaArray> {
  /** (B, Cin, L, L); masked entries (j > i) are exact zeros. */
  readonly gradScores: T;
  /** (Cout, Cin/groups, kH, kW), accumulated in float64. */
  readonly gradWeight: W;
  /** (Cout), accumulated in float64; null when the forward had no bias. */
  readonly gradBias: W | null;
}

/** Preallocated backward outputs. Every element is overwritten. */
export interface MtaBackwardOutputs<T extends MtaArray, W extends MtaArray> {
  readonly gradScores?: T;
  readonly gradWeight?: W;
  readonly gradBias?: W;
}
