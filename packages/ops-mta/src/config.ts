/**
 * The plain description of one multi-token attention call: sizes and settings as a caller (or a golden
 * case) states them. `mtaGeometry` validates one into an `MtaGeometry`, which is what kernels, the
 * composite path and the ONNX lowering take.
 */
export type MtaMode = 'post' | 'pre';

/** [top, bottom, left, right]: zero padding of the query axis (rows) and the key axis (columns). */
export type Pads4 = readonly [top: number, bottom: number, left: number, right: number];

export interface MtaConfig {
  /** 'post': mask -> softmax|sparsemax -> conv -> mask (Liger-Kernel). 'pre': mask0 -> conv -> mask -> softmax|sparsemax (paper). */
  readonly mode: MtaMode;
  readonly sparse: boolean;
  readonly pads: Pads4;
  readonly dilation: readonly [dh: number, dw: number];
  readonly groups: number;
}

/** Sizes of one call: scores (B, Cin, L, L), weight (Cout, Cin/groups, kH, kW), bias (Cout). */
export interface MtaShape {
  readonly B: number;
  readonly Cin: number;
  readonly Cout: number;
  readonly L: number;
  readonly kH: number;
  readonly kW: number;
}

/**
 * The value written into masked (j > i) scores before a softmax or sparsemax: -Infinity, so that masked
 * entries are excluded exactly (probability 0) whatever the size of the other scores. A finite fill (it was
 * -1e9) stops excluding them once scores reach its size, and the paths then disagreed (relFro up to 0.6).
 * It is safe: every row keeps its diagonal, so a row max is finite for finite scores; masks are written with
 * tril/Where, never by adding or multiplying, so no 0 * -Infinity or -Infinity + Infinity appears.
 */
export const MASKED_SCORE = -Infinity;
