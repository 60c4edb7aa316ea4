import type { Tensor } from '@mta/core';
import { formatShape } from '@mta/core';
import type { MtaConfig, MtaMode, MtaShape, Pads4 } from './config.js';

/**
 * User options of multiTokenAttention, normalised once into an MtaConfig and validated against the
 * operands, so kernels never see a bad call.
 */
export type MtaPadding = number | readonly [padH: number, padW: number] | Pads4 | 'causal';

export interface MtaOptions {
  readonly mode?: MtaMode;
  /** sparsemax instead of softmax. */
  readonly sparse?: boolean;
  /**
   * A number or [padH, padW] is Liger-compatible symmetric padding (not causal: row i reads row i + 1);
   * [top, bottom, left, right] is explicit; 'causal' pads (kH - 1) * dH rows above only and the key axis on
   * both sides, so no output depends on a later query.
   */
  readonly padding?: MtaPadding;
  readonly dilation?: number | readonly [number, number];
  readonly groups?: number;
  /** 'fused' uses the device's fused kernel, 'composite' the reference path of core primitives; 'auto' (default) picks fused when the device has it. */
  readonly impl?: 'auto' | 'fused' | 'composite';
}

export function resolvePads(padding: MtaPadding, kH: number, kW: number, dilation: readonly [number, number]): Pads4 {
  if (padding === 'causal') {
    const rows = (kH - 1) * dilation[0];
    const cols = (kW - 1) * dilation[1];
    // Rows: the past only. Columns: split as evenly as possible, like 'same' padding.
    return [rows, 0, Math.floor(cols / 2), cols - Math.floor(cols / 2)];
  }
  if (typeof padding === 'number') return [padding, padding, padding, padding];
  if (padding.length === 2) return [padding[0], padding[0], padding[1], padding[1]];
  if (padding.length === 4) return [padding[0], padding[1], padding[2], padding[3]];
  throw new Error(`multiTokenAttention: padding must be a number, [padH, padW], [top, bottom, left, right] or 'causal', got ${JSON.stringify(padding)}`);
}

function pair(v: number | readonly [number, number], what: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.some((x) => !Number.isInteger(x) || x < 1)) throw new Error(`multiTokenAttention: ${what} must be a positive integer or a pair, got ${JSON.stringify(v)}`);
  return p;
}

const fail = (msg: string): never => {
  throw new Error(`multiTokenAttention: ${msg}`);
};

/** Checks operands and options; returns the shape and the normalised config. */
export function validateMta(scores: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: MtaOptions): { shape: MtaShape; config: MtaConfig } {
  if (scores.ndim !== 4) fail(`scores must be 4-D (B, Cin, L, L), got ${scores.describe()}`);
  const [B, Cin, L, L2] = scores.shape as [number, number, number, number];
  if (L !== L2) fail(`scores must be square in its last two axes (queries x keys), got ${formatShape(scores.shape)}`);
  if (scores.dtype !== 'float32' && scores.dtype !== 'float64' && scores.dtype !== 'float16' && scores.dtype !== 'bfloat16') {
    fail(`scores must be a float tensor, got ${scores.describe()}; cast it with .cast('float32')`);
  }
  if (weight.ndim !== 4) fail(`weight must be 4-D (Cout, Cin/groups, kH, kW), got ${weight.describe()}`);
  const [Cout, cinPerGroup, kH, kW] = weight.shape as [number, number, number, number];
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) fail(`groups must be a positive integer, got ${groups}`);
  if (Cin % groups !== 0) fail(`scores channels Cin=${Cin} are not divisible by groups=${groups}; use a groups value that divides Cin`);
  if (Cout % groups !== 0) fail(`weight output channels Cout=${Cout} are not divisible by groups=${groups}; use a groups value that divides Cout`);
  if (cinPerGroup !== Cin / groups) {
    fail(`weight ${formatShape(weight.shape)} must have Cin/groups = ${Cin}/${groups} = ${Cin / groups} input channels in axis 1, got ${cinPerGroup}`);
  }
  if (weight.dtype !== scores.dtype) fail(`weight dtype ${weight.dtype} differs from scores dtype ${scores.dtype}; cast one of them`);
  if (bias) {
    if (bias.ndim !== 1 || bias.shape[0] !== Cout) fail(`bias must have shape [${Cout}] (Cout), got ${bias.describe()}`);
    if (bias.dtype !== scores.dtype) fail(`bias dtype ${bias.dtype} differs from scores dtype ${scores.dtype}`);
  }
  const sparse = options.sparse ?? false;
  if (sparse && scores.dtype !== 'float32' && scores.dtype !== 'float64') {
    fail(`sparse (sparsemax) needs float32 or float64 scores, got ${scores.dtype}; cast with .cast('float32')`);
  }
  const mode = options.mode ?? 'post';
  if (mode !== 'post' && mode !== 'pre') fail(`mode must be 'post' or 'pre', got ${JSON.stringify(mode)}`);
  const dilation = pair(options.dilation ?? 1, 'dilation');
  const pads = resolvePads(options.padding ?? 0, kH, kW, dilation);
  if (pads.some((p) => !Number.isInteger(p) || p < 0)) fail(`padding must be non-negative integers, got ${JSON.stringify(options.padding)}`);
  const outH = L + pads[0] + pads[1] - dilation[0] * (kH - 1);
  const outW = L + pads[2] + pads[3] - dilation[1] * (kW - 1);
  if (outH < 1 || outW < 1) {
    fail(`kernel ${kH}x${kW} (dilation ${dilation.join('x')}) is larger than the padded ${L + pads[0] + pads[1]}x${L + pads[2] + pads[3]} map; use a smaller kernel or more padding`);
  }
  if (outH !== L || outW !== L) {
    const needH = dilation[0] * (kH - 1);
    const needW = dilation[1] * (kW - 1);
    // A symmetric form exists only when both totals split evenly; 'causal' always fits.
    const symmetric = needH % 2 === 0 && needW % 2 === 0 ? (needH === needW ? `${needH / 2}` : `[${needH / 2}, ${needW / 2}]`) : null;
    fail(`kernel ${kH}x${kW} with dilation ${dilation.join('x')} and pads [${pads.join(', ')}] maps the ${L}x${L} map to ${outH}x${outW}; ` +
      `MTA needs an L x L output: pad (kH-1)*dH = ${needH} rows and (kW-1)*dW = ${needW} columns in total ` +
      `(e.g. padding ${symmetric === null ? '' : `${symmetric} (symmetric, not causal) or `}'causal')`);
  }
  return { shape: { B, Cin, Cout, L, kH, kW }, config: { mode, sparse, pads, dilation, groups } };
}
