import type { MtaMode, Pads4 } from './config.js';
import { MtaArgumentError } from './errors.js';

/**
 * User options of multiTokenAttention. `mtaGeometryOf` normalises them (with the helpers below) and
 * validates them against the operands once, into an MtaGeometry, so kernels never see a bad call.
 */
export type MtaPadding = number | readonly [padH: number, padW: number] | Pads4 | 'causal';

export type MtaImpl = 'auto' | 'fused' | 'composite';

export const MTA_IMPLS: readonly MtaImpl[] = ['auto', 'fused', 'composite'];

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
  readonly impl?: MtaImpl;
}

/** [top, bottom, left, right] of a padding option; the values are checked by mtaGeometry, only the form here. */
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
  throw new MtaArgumentError('multiTokenAttention', 'padding', "a number, [padH, padW], [top, bottom, left, right] or 'causal'",
    JSON.stringify(padding), 'use one of those forms');
}

/** [dh, dw] of a dilation option; the values are checked by mtaGeometry. */
export function resolveDilation(dilation: number | readonly [number, number]): [number, number] {
  return typeof dilation === 'number' ? [dilation, dilation] : [dilation[0], dilation[1]];
}
