import { Rng } from '@mta/core';
import type { MtaOptions, MtaPadding } from '@mta/ops-mta';
import { randomOperands, type MtaOperands } from './op-harness';

/** Shapes and options of one MTA call, independent of mode, activation, dtype and device. */
export interface OpCase {
  readonly label: string;
  readonly B: number;
  readonly Cin: number;
  readonly Cout: number;
  readonly L: number;
  readonly kernel: readonly [number, number];
  readonly groups: number;
  readonly dilation: number | readonly [number, number];
  readonly padding: MtaPadding;
  readonly bias: boolean;
}

/** Both modes x both activations. */
export const VARIANTS = [
  { mode: 'post', sparse: false }, { mode: 'post', sparse: true }, { mode: 'pre', sparse: false }, { mode: 'pre', sparse: true },
] as const;

export const variantLabel = (v: { mode: string; sparse: boolean }) => `${v.mode}/${v.sparse ? 'sparsemax' : 'softmax'}`;

/**
 * A seeded random layout with a padding form valid for it: 'causal' and [t, b, l, r] always, [padH, padW]
 * and a number only when the total padding splits evenly (symmetric forms need that to keep L x L).
 */
export function randomLayout(seed: number, lRange: readonly [min: number, max: number] = [4, 9]): OpCase {
  const rng = new Rng(seed);
  const groups = [1, 2][rng.int(2)]!;
  const Cin = groups * (1 + rng.int(2));
  const Cout = groups * (1 + rng.int(2));
  const kernel: [number, number] = [1 + rng.int(3), 1 + rng.int(4)];
  const dilation: [number, number] = [1 + rng.int(2), 1 + rng.int(2)];
  const padH = (kernel[0] - 1) * dilation[0];
  const padW = (kernel[1] - 1) * dilation[1];
  const top = rng.int(padH + 1);
  const left = rng.int(padW + 1);
  const forms: MtaPadding[] = ['causal', [top, padH - top, left, padW - left]];
  if (padH % 2 === 0 && padW % 2 === 0) forms.push([padH / 2, padW / 2]);
  if (padH === padW && padH % 2 === 0) forms.push(padH / 2);
  const padding = forms[rng.int(forms.length)]!;
  return {
    label: `random seed ${seed}: k ${kernel.join('x')}, dil ${dilation.join('x')}, pad ${JSON.stringify(padding)}, groups ${groups}`,
    B: 1 + rng.int(2), Cin, Cout, L: lRange[0] + rng.int(lRange[1] - lRange[0] + 1), kernel, groups, dilation, padding, bias: rng.uniform() < 0.6,
  };
}

export function layoutOperands(c: OpCase, seed: number, scoreScale = 1.5): MtaOperands {
  return randomOperands(seed, { B: c.B, Cin: c.Cin, Cout: c.Cout, L: c.L, kH: c.kernel[0], kW: c.kernel[1], groups: c.groups, bias: c.bias, scoreScale });
}

export function layoutOptions(c: OpCase, extra: MtaOptions): MtaOptions {
  return { ...extra, padding: c.padding, dilation: c.dilation, groups: c.groups };
}
