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

/** The value written into masked (j > i) scores before a softmax: finite, so 0 * mask is never NaN. */
export const MASKED_SCORE = -1e9;
