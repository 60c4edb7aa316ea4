import type { MtaConfig, MtaShape } from '../../config.js';

/**
 * Everything a fused kernel needs to know about one call, as plain numbers so it can be posted to a
 * worker unchanged. Work is cut into items = (batch, row band); the cut depends only on the shape,
 * never on the number of threads, so every thread count produces bit-identical results (weight and
 * bias gradients are summed per item, then over items in item order).
 */
export interface MtaPlan {
  readonly B: number;
  readonly Cin: number;
  readonly Cout: number;
  readonly L: number;
  readonly kH: number;
  readonly kW: number;
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
  readonly dh: number;
  readonly dw: number;
  readonly groups: number;
  readonly cinPerGroup: number;
  readonly coutPerGroup: number;
  readonly pre: boolean;
  readonly sparse: boolean;
  readonly hasBias: boolean;
  /** Rows of the input (forward) or gradient (backward) a row window spans: (kH - 1) * dh + 1. */
  readonly span: number;
  /** Length of one zero-padded ring row: L + left + right. */
  readonly rowLen: number;
  /** Number of weights, Cout * cinPerGroup * kH * kW; the bias follows them in the params array. */
  readonly weightCount: number;
  /** Band boundaries: band k covers rows [bandStarts[k], bandStarts[k + 1]). */
  readonly bandStarts: readonly number[];
  /** Items as (batch, band) pairs, largest triangle first so dynamic scheduling balances. */
  readonly items: readonly (readonly [batch: number, band: number])[];
  /** Multiply-adds of the forward convolution over the causal triangle, for the threading decision. */
  readonly forwardMacs: number;
}

/** Rows per band at which a row band pays for its halo rows (recomputed at both band edges). */
const ROWS_PER_BAND = 128;
const MAX_BANDS = 8;

function fail(argument: string, expected: string, actual: string, fix: string): never {
  throw new Error(`mta cpu kernel: ${argument}: expected ${expected}, got ${actual}. ${fix}`);
}

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) fail(name, 'a positive integer', String(value), 'Pass sizes as integers >= 1.');
}

/** Validates the call (cheaply: the op front-end validates too) and derives the geometry. */
export function planCpuMta(shape: MtaShape, config: MtaConfig, hasBias: boolean): MtaPlan {
  const { B, Cin, Cout, L, kH, kW } = shape;
  for (const [name, value] of Object.entries({ B, Cin, Cout, L, kH, kW })) checkPositiveInteger(`shape.${name}`, value);
  const [top, bottom, left, right] = config.pads;
  const [dh, dw] = config.dilation;
  for (const [name, value] of Object.entries({ top, bottom, left, right })) {
    if (!Number.isInteger(value) || value < 0) fail(`config.pads.${name}`, 'an integer >= 0', String(value), 'Pads are [top, bottom, left, right].');
  }
  checkPositiveInteger('config.dilation[0]', dh);
  checkPositiveInteger('config.dilation[1]', dw);
  checkPositiveInteger('config.groups', config.groups);
  const groups = config.groups;
  if (Cin % groups !== 0 || Cout % groups !== 0) {
    fail('config.groups', `a divisor of Cin=${Cin} and Cout=${Cout}`, String(groups), 'Choose groups dividing both channel counts.');
  }
  if (top + bottom !== dh * (kH - 1)) {
    fail('config.pads top+bottom', `dilation[0]*(kH-1) = ${dh * (kH - 1)} so the output keeps L rows`, String(top + bottom), 'Use e.g. [kH-1, 0, ...] (causal) or symmetric pads.');
  }
  if (left + right !== dw * (kW - 1)) {
    fail('config.pads left+right', `dilation[1]*(kW-1) = ${dw * (kW - 1)} so the output keeps L columns`, String(left + right), 'Use symmetric pads on the key axis.');
  }
  const bandCount = Math.max(1, Math.min(MAX_BANDS, Math.floor(L / ROWS_PER_BAND)));
  // Row i costs ~ i + 1, so equal triangle areas put boundaries at L * sqrt(k / n).
  const bandStarts: number[] = [0];
  for (let k = 1; k < bandCount; k++) {
    const start = Math.round(L * Math.sqrt(k / bandCount));
    if (start > bandStarts[bandStarts.length - 1] && start < L) bandStarts.push(start);
  }
  bandStarts.push(L);
  const items: [number, number][] = [];
  for (let band = bandStarts.length - 2; band >= 0; band--) for (let b = 0; b < B; b++) items.push([b, band]);
  const cinPerGroup = Cin / groups;
  const coutPerGroup = Cout / groups;
  return {
    B, Cin, Cout, L, kH, kW, top, bottom, left, right, dh, dw, groups, cinPerGroup, coutPerGroup,
    pre: config.mode === 'pre',
    sparse: config.sparse,
    hasBias,
    span: (kH - 1) * dh + 1,
    rowLen: L + left + right,
    weightCount: Cout * cinPerGroup * kH * kW,
    bandStarts,
    items,
    forwardMacs: B * Cout * cinPerGroup * kH * kW * ((L * (L + 1)) / 2),
  };
}
