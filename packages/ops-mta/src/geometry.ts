import type { MtaConfig, MtaMode, MtaShape, Pads4 } from './config.js';
import { MtaArgumentError } from './errors.js';

/** Element types MTA scores may have: float32/float64 everywhere, float16/bfloat16 as npu storage. */
export type MtaScoreDType = 'float32' | 'float64' | 'float16' | 'bfloat16';

/**
 * One multi-token attention call, validated: every size, setting and derived number a kernel, the
 * composite path or the ONNX lowering needs, so none of them re-derives or re-checks anything.
 * Built only by `mtaGeometry` (or `mtaGeometryOf` for tensors) and frozen.
 *
 * The first block is field for field the npu kernels' `MtaGeometry` (same names, same meanings), so those
 * kernels can take this one unchanged. `pads` and `dilation` repeat pt..pr and dh, dw as tuples, which makes
 * a geometry also a valid `MtaShape` and `MtaConfig`: functions that still take those accept it as is.
 */
export interface MtaGeometry extends MtaShape {
  readonly groups: number;
  /** Input / output channels per group: Cin / groups, Cout / groups. */
  readonly cig: number;
  readonly cog: number;
  /** Zero padding: top, bottom (query axis), left, right (key axis). */
  readonly pt: number;
  readonly pb: number;
  readonly pl: number;
  readonly pr: number;
  /** Dilation of the query (row) and key (column) axes. */
  readonly dh: number;
  readonly dw: number;
  /** Extra columns a row segment needs for the convolution: (kW - 1) * dw. */
  readonly ext: number;
  /** Rows one output row spans: (kH - 1) * dh + 1. */
  readonly depth: number;
  /** Weight elements: Cout * cig * kH * kW. */
  readonly wElems: number;
  readonly mode: MtaMode;
  readonly sparse: boolean;

  /** [pt, pb, pl, pr]. */
  readonly pads: Pads4;
  /** [dh, dw]. */
  readonly dilation: readonly [dh: number, dw: number];
  /**
   * The one mask MTA applies: query i sees keys j <= i. Masked scores are never read (they may be NaN);
   * they become MASKED_SCORE (-Infinity: excluded exactly) before an activation and 0 after a convolution or
   * an activation (so a masked output is exactly 0 even in a row that is NaN).
   */
  readonly mask: 'causal';
  readonly hasBias: boolean;
  /** Of the scores, and so of the outputs and gradients; weight and bias have it too. */
  readonly dtype: MtaScoreDType;
}

/** What a geometry needs to know about the operands besides their sizes. */
export interface MtaOperandKinds {
  readonly hasBias: boolean;
  readonly dtype: MtaScoreDType;
}

const SCORE_DTYPES: readonly string[] = ['float32', 'float64', 'float16', 'bfloat16'];

/**
 * Validates a call given as plain numbers and derives its geometry. Throws an MtaArgumentError naming
 * the argument, the expectation, the actual value and the fix. `where` names the caller's entry point
 * in messages (multiTokenAttention passes its own name).
 */
export function mtaGeometry(shape: MtaShape, config: MtaConfig, operands: MtaOperandKinds, where = 'mtaGeometry'): MtaGeometry {
  const fail = (argument: string, expected: string, actual: string, fix: string): never => {
    throw new MtaArgumentError(where, argument, expected, actual, fix);
  };
  const { B, Cin, Cout, L, kH, kW } = shape;
  for (const [name, value] of [['B', B], ['Cin', Cin], ['Cout', Cout], ['L', L], ['kH', kH], ['kW', kW]] as const) {
    if (!Number.isInteger(value) || value < 1) fail(`shape.${name}`, 'a positive integer', String(value), 'every size of scores and weight must be >= 1');
  }
  const { dtype, hasBias } = operands;
  if (!SCORE_DTYPES.includes(dtype)) fail('dtype', 'float32, float64, float16 or bfloat16', String(dtype), "cast the operands with .cast('float32')");

  const { groups, mode, sparse } = config;
  if (!Number.isInteger(groups) || groups < 1) fail('groups', 'a positive integer', String(groups), 'use groups = 1 for a dense convolution');
  if (Cin % groups !== 0) fail('groups', `a divisor of the scores channels Cin=${Cin}`, `groups=${groups} (Cin is not divisible by it)`, 'use a groups value that divides Cin');
  if (Cout % groups !== 0) fail('groups', `a divisor of the weight output channels Cout=${Cout}`, `groups=${groups} (Cout is not divisible by it)`, 'use a groups value that divides Cout');
  if (mode !== 'post' && mode !== 'pre') fail('mode', "'post' or 'pre'", JSON.stringify(mode), "use 'post' (Liger-Kernel) or 'pre' (the paper)");
  if (typeof sparse !== 'boolean') fail('sparse', 'a boolean', JSON.stringify(sparse), 'pass true for sparsemax, false for softmax');
  if (sparse && dtype !== 'float32' && dtype !== 'float64') {
    fail('sparse', 'float32 or float64 scores (sparsemax computes on them directly)', `${dtype} scores`, "cast with .cast('float32')");
  }

  const [dh, dw] = config.dilation;
  if (![dh, dw].every((d) => Number.isInteger(d) && d >= 1)) {
    fail('dilation', 'a positive integer or a pair of them', JSON.stringify(config.dilation), 'use 1 for no dilation');
  }
  const [pt, pb, pl, pr] = config.pads;
  if (![pt, pb, pl, pr].every((p) => Number.isInteger(p) && p >= 0)) {
    fail('padding', 'non-negative integers [top, bottom, left, right]', JSON.stringify(config.pads), "use e.g. 'causal' or a symmetric padding");
  }
  checkSquareOutput(fail, L, kH, kW, [pt, pb, pl, pr], [dh, dw]);

  const cig = Cin / groups;
  const cog = Cout / groups;
  return Object.freeze({
    B, Cin, Cout, L, kH, kW, groups, cig, cog, pt, pb, pl, pr, dh, dw,
    ext: (kW - 1) * dw,
    depth: (kH - 1) * dh + 1,
    wElems: Cout * cig * kH * kW,
    mode, sparse,
    pads: Object.freeze([pt, pb, pl, pr] as const),
    dilation: Object.freeze([dh, dw] as const),
    mask: 'causal',
    hasBias, dtype,
  });
}

type Fail = (argument: string, expected: string, actual: string, fix: string) => never;

/** MTA maps an L x L map to an L x L map: the pads must add exactly what the dilated kernel takes away. */
function checkSquareOutput(fail: Fail, L: number, kH: number, kW: number, pads: Pads4, dilation: readonly [number, number]): void {
  const [dh, dw] = dilation;
  const paddedH = L + pads[0] + pads[1];
  const paddedW = L + pads[2] + pads[3];
  const outH = paddedH - dh * (kH - 1);
  const outW = paddedW - dw * (kW - 1);
  if (outH < 1 || outW < 1) {
    fail('weight', `a kernel that fits the padded ${paddedH}x${paddedW} map`,
      `kernel ${kH}x${kW} (dilation ${dh}x${dw}), larger than the padded ${paddedH}x${paddedW} map`, 'use a smaller kernel or more padding');
  }
  if (outH === L && outW === L) return;
  const needH = dh * (kH - 1);
  const needW = dw * (kW - 1);
  // A symmetric form exists only when both totals split evenly; 'causal' always fits.
  const symmetric = needH % 2 === 0 && needW % 2 === 0 ? (needH === needW ? `${needH / 2}` : `[${needH / 2}, ${needW / 2}]`) : null;
  fail('padding',
    `pads that keep the ${L}x${L} map L x L: (kH-1)*dH = ${needH} rows and (kW-1)*dW = ${needW} columns in total`,
    `pads [${pads.join(', ')}]: kernel ${kH}x${kW} with dilation ${dh}x${dw} and these pads maps the ${L}x${L} map to ${outH}x${outW}`,
    `use e.g. padding ${symmetric === null ? '' : `${symmetric} (symmetric, not causal) or `}'causal'`);
}
