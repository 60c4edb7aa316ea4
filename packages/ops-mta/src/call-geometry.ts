import { formatShape, type Tensor } from '@mta/core';
import { MtaArgumentError } from './errors.js';
import { mtaGeometry, type MtaGeometry, type MtaScoreDType } from './geometry.js';
import { resolveDilation, resolvePads, type MtaOptions } from './options.js';

const WHERE = 'multiTokenAttention';

const fail = (argument: string, expected: string, actual: string, fix: string): never => {
  throw new MtaArgumentError(WHERE, argument, expected, actual, fix);
};

const isScoreDType = (dtype: string): dtype is MtaScoreDType =>
  dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';

/**
 * The one validation of a multiTokenAttention call: reads the sizes off the tensors, normalises the options,
 * builds the geometry with `mtaGeometry` and checks that the weight and bias fit it. Everything after
 * (the op's shape inference, every kernel, the composite path, the ONNX lowering) trusts the result.
 */
export function mtaGeometryOf(scores: Tensor, weight: Tensor, bias: Tensor | null, options: MtaOptions): MtaGeometry {
  if (scores.ndim !== 4) fail('scores', 'a 4-D tensor (B, Cin, L, L)', scores.describe(), 'reshape the score map to (batch, channels, queries, keys)');
  const [B, Cin, L, keys] = scores.shape as [number, number, number, number];
  if (L !== keys) fail('scores', 'a map square in its last two axes (queries x keys)', formatShape(scores.shape), 'pass one score per (query, key) pair');
  const dtype = scores.dtype;
  if (!isScoreDType(dtype)) fail('scores', 'a float tensor (float32, float64, float16 or bfloat16)', scores.describe(), "cast it with .cast('float32')");
  if (weight.ndim !== 4) fail('weight', 'a 4-D tensor (Cout, Cin/groups, kH, kW)', weight.describe(), 'reshape the kernel to (Cout, Cin/groups, kH, kW)');
  if (weight.dtype !== dtype) fail('weight', `dtype ${dtype} like the scores`, weight.dtype, 'cast one of them');
  const [Cout, weightInChannels, kH, kW] = weight.shape as [number, number, number, number];
  if (bias) {
    if (bias.ndim !== 1 || bias.shape[0] !== Cout) fail('bias', `shape [${Cout}] (Cout)`, bias.describe(), 'pass one bias per output channel, or none');
    if (bias.dtype !== dtype) fail('bias', `dtype ${dtype} like the scores`, bias.dtype, 'cast one of them');
  }

  const dilation = resolveDilation(options.dilation ?? 1);
  const geometry = mtaGeometry(
    { B, Cin, Cout, L, kH, kW },
    {
      mode: options.mode ?? 'post',
      sparse: options.sparse ?? false,
      pads: resolvePads(options.padding ?? 0, kH, kW, dilation),
      dilation,
      groups: options.groups ?? 1,
    },
    { hasBias: bias !== null, dtype: dtype as MtaScoreDType },
    WHERE,
  );
  if (weightInChannels !== geometry.cig) {
    const { groups } = geometry;
    fail(`weight ${formatShape(weight.shape)} axis 1`, `Cin/groups = ${Cin}/${groups} = ${geometry.cig} input channels`, String(weightInChannels),
      'give the weight Cin/groups input channels');
  }
  return geometry;
}
