/**
 * The grid `mta lint-npu` walks: which planners, SoCs, UB sizes, dtypes, MTA variants and sequence lengths.
 * Two kinds of lengths: `simulated` ones run the kernels in poison mode (every named error of the simulator
 * can fire), `planned` ones only plan (UB fit and loop-bound coverage, closed form, cheap at any L).
 */
import { SOC_NAMES, type NpuDType, type SocName } from '@mta/device-npu';
import type { NpuMtaConfig, NpuMtaShape } from './geometry.js';
import { defaultNpuMtaConfig } from './geometry.js';
import type { NpuMtaPlannerName } from './plan-types.js';

/** One MTA variant the default kernels implement: Liger's post mode and the paper's pre mode, each activation. */
export interface LintVariant {
  readonly name: string;
  readonly config: (shape: Pick<NpuMtaShape, 'kH' | 'kW'>) => NpuMtaConfig;
}

export const LINT_VARIANTS: readonly LintVariant[] = [
  { name: 'post-softmax', config: (s) => defaultNpuMtaConfig(s) },
  { name: 'post-sparsemax', config: (s) => defaultNpuMtaConfig(s, { sparse: true }) },
  // The paper's causal padding: kH - 1 rows above, none below.
  { name: 'pre-softmax', config: (s) => defaultNpuMtaConfig(s, { mode: 'pre', pads: [s.kH - 1, 0, (s.kW - 1) >> 1, s.kW - 1 - ((s.kW - 1) >> 1)] }) },
  { name: 'pre-sparsemax', config: (s) => defaultNpuMtaConfig(s, { mode: 'pre', sparse: true, pads: [s.kH - 1, 0, (s.kW - 1) >> 1, s.kW - 1 - ((s.kW - 1) >> 1)] }) },
];

export interface LintGrid {
  readonly planners: readonly NpuMtaPlannerName[];
  readonly socs: readonly SocName[];
  readonly ubBytes: readonly number[];
  readonly dtypes: readonly NpuDType[];
  readonly variants: readonly LintVariant[];
  /** Lengths run in the simulator (poison mode), per planner kind: ours run forward and backward, presets their row kernel. */
  readonly simulatedLengths: readonly number[];
  readonly presetSimulatedLengths: readonly number[];
  /** Lengths only planned (fit + coverage). */
  readonly plannedLengths: readonly number[];
  readonly batch: number;
  readonly channels: number;
  readonly kernelSize: number;
}

/** 1 .. 65536 at every power of two and its neighbours: where block sizes and tails change. */
export function powerOfTwoNeighbourhood(max = 65_536): number[] {
  const out = new Set<number>([1]);
  for (let p = 2; p <= max; p *= 2) for (const L of [p - 1, p, p + 1]) if (L >= 1 && L <= max) out.add(L);
  return [...out].sort((a, b) => a - b);
}

/**
 * The default grid: our planner (the kernels registered for the npu), every SoC, the golden UB sizes (192 KiB,
 * 16 KiB) plus 4 KiB, three dtypes, four variants. 4 KiB is no part's UB: it makes rows of a few hundred
 * elements multi-block, so every kernel of ours (row statistics, two-pass backward, row activation) runs in
 * the simulator while the lint stays within seconds (it is part of `pnpm check`). Simulated lengths: 1
 * (degenerate), 5 (tails shorter than a 32-byte block), 97 (odd, not a multiple of 8), 260 (multi-block rows
 * in both directions at 4 KiB). The presets' simulated row kernel runs 5 and 2049, where PR #1122's 16 KiB
 * block (2048) is shorter than the row.
 */
export const DEFAULT_LINT_GRID: LintGrid = Object.freeze<LintGrid>({
  // The registered npu kernels are the default planner's; the Liger presets are linted when asked for (--planner).
  planners: ['default'],
  socs: [...SOC_NAMES],
  ubBytes: [196_608, 16_384, 4_096],
  dtypes: ['float32', 'float16', 'bfloat16'],
  variants: LINT_VARIANTS,
  simulatedLengths: [1, 5, 97, 260],
  presetSimulatedLengths: [5, 2049],
  plannedLengths: powerOfTwoNeighbourhood(),
  batch: 1,
  channels: 2,
  kernelSize: 3,
});
