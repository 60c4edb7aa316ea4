import type { MtaConfig, MtaShape } from '@mta/ops-mta';
import type { GoldenCase } from '@mta/ops-mta';

/** One MTA evaluation: inputs as float32 host arrays, plus the expected results when known. */
export interface MtaProblem {
  readonly name: string;
  readonly shape: MtaShape;
  readonly config: MtaConfig;
  readonly scores: Float32Array;
  readonly weight: Float32Array;
  readonly bias: Float32Array | null;
  readonly gradOut: Float32Array;
  /** Reference results (golden float64), or undefined when backends are compared with each other. */
  readonly expected?: Readonly<Record<MtaTensorName, Float64Array | Float32Array | null>>;
}

export type MtaTensorName = 'out' | 'grad_scores' | 'grad_weight' | 'grad_bias';
export const FORWARD_TENSORS: readonly MtaTensorName[] = ['out'];
export const ALL_TENSORS: readonly MtaTensorName[] = ['out', 'grad_scores', 'grad_weight', 'grad_bias'];

/** Named result tensors as host arrays; null where a tensor does not exist (no bias). */
export type Results = Readonly<Record<string, Float32Array | Float64Array | null | undefined>>;

export function problemFromGolden(c: GoldenCase): MtaProblem {
  const f32 = (a: Float32Array | Float64Array): Float32Array => (a instanceof Float32Array ? a : Float32Array.from(a));
  return {
    name: c.name,
    shape: { B: c.B, Cin: c.Cin, Cout: c.Cout, L: c.L, kH: c.kernel[0], kW: c.kernel[1] },
    config: { mode: c.mode, sparse: c.sparse, pads: c.pads, dilation: c.dilation, groups: c.groups },
    scores: f32(c.tensors.scores.data),
    weight: f32(c.tensors.weight.data),
    bias: c.tensors.bias ? f32(c.tensors.bias.data) : null,
    gradOut: f32(c.tensors.grad_out.data),
    expected: {
      out: c.tensors.out.data,
      grad_scores: c.tensors.grad_scores.data,
      grad_weight: c.tensors.grad_weight.data,
      grad_bias: c.tensors.grad_bias?.data ?? null,
    },
  };
}
