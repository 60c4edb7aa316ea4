/**
 * The MTA call description the npu kernels accept. Structurally identical to ops-mta's `MtaShape` and
 * `MtaConfig`, so the op passes its objects unchanged; written when these kernels lived in device-npu (which
 * may not import ops-mta), and kept until they take ops-mta's one validated geometry.
 * Plus the derived convolution geometry every kernel and the planner share.
 */
export type NpuMtaMode = 'post' | 'pre';

export interface NpuMtaConfig {
  readonly mode: NpuMtaMode;
  readonly sparse: boolean;
  /** [top, bottom, left, right] zero padding of the query axis (rows) and the key axis (columns). */
  readonly pads: readonly [number, number, number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

export interface NpuMtaShape {
  readonly B: number;
  readonly Cin: number;
  readonly Cout: number;
  readonly L: number;
  readonly kH: number;
  readonly kW: number;
}

/** The value masked scores take before a softmax (finite, as ops-mta's MASKED_SCORE). */
export const NPU_MASKED_SCORE = -1e9;

/** Everything the kernels derive from a shape and config. */
export interface MtaGeometry {
  readonly B: number;
  readonly Cin: number;
  readonly Cout: number;
  readonly L: number;
  readonly kH: number;
  readonly kW: number;
  readonly groups: number;
  /** Input / output channels per group. */
  readonly cig: number;
  readonly cog: number;
  readonly pt: number;
  readonly pb: number;
  readonly pl: number;
  readonly pr: number;
  readonly dh: number;
  readonly dw: number;
  /** Extra columns a row segment needs for the convolution: (kW - 1) * dw. */
  readonly ext: number;
  /** Rows one output row spans: (kH - 1) * dh + 1. */
  readonly depth: number;
  /** Weight elements: Cout * cig * kH * kW. */
  readonly wElems: number;
  readonly mode: NpuMtaMode;
  readonly sparse: boolean;
}

function positiveInt(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what}: expected a positive integer, got ${v}`);
}

/** Validate and derive. Throws naming the argument when the call cannot produce an L x L output. */
export function mtaGeometry(shape: NpuMtaShape, config: NpuMtaConfig): MtaGeometry {
  const { B, Cin, Cout, L, kH, kW } = shape;
  positiveInt(B, 'shape.B');
  positiveInt(Cin, 'shape.Cin');
  positiveInt(Cout, 'shape.Cout');
  positiveInt(L, 'shape.L');
  positiveInt(kH, 'shape.kH');
  positiveInt(kW, 'shape.kW');
  positiveInt(config.groups, 'config.groups');
  if (config.mode !== 'post' && config.mode !== 'pre') throw new Error(`config.mode: expected 'post' or 'pre', got '${String(config.mode)}'`);
  const [pt, pb, pl, pr] = config.pads;
  for (const [v, n] of [[pt, 'top'], [pb, 'bottom'], [pl, 'left'], [pr, 'right']] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`config.pads ${n}: expected a non-negative integer, got ${v}`);
  }
  const [dh, dw] = config.dilation;
  positiveInt(dh, 'config.dilation[0]');
  positiveInt(dw, 'config.dilation[1]');
  const G = config.groups;
  if (Cin % G !== 0 || Cout % G !== 0) {
    throw new Error(`config.groups: ${G} must divide Cin (${Cin}) and Cout (${Cout})`);
  }
  if (pt + pb !== (kH - 1) * dh) {
    throw new Error(`config.pads: top + bottom = ${pt + pb} must equal (kH - 1) * dilation[0] = ${(kH - 1) * dh} so the output is L x L`);
  }
  if (pl + pr !== (kW - 1) * dw) {
    throw new Error(`config.pads: left + right = ${pl + pr} must equal (kW - 1) * dilation[1] = ${(kW - 1) * dw} so the output is L x L`);
  }
  return {
    B, Cin, Cout, L, kH, kW, groups: G,
    cig: Cin / G, cog: Cout / G,
    pt, pb, pl, pr, dh, dw,
    ext: (kW - 1) * dw,
    depth: (kH - 1) * dh + 1,
    wElems: Cout * (Cin / G) * kH * kW,
    mode: config.mode,
    sparse: config.sparse,
  };
}

/** Liger-Kernel's defaults for a kernel size: post-softmax, symmetric padding K // 2, no dilation, one group. */
export function defaultNpuMtaConfig(shape: Pick<NpuMtaShape, 'kH' | 'kW'>, overrides: Partial<NpuMtaConfig> = {}): NpuMtaConfig {
  const pv = (shape.kH - 1) >> 1;
  const ph = (shape.kW - 1) >> 1;
  return {
    mode: 'post',
    sparse: false,
    pads: [pv, shape.kH - 1 - pv, ph, shape.kW - 1 - ph],
    dilation: [1, 1],
    groups: 1,
    ...overrides,
  };
}
