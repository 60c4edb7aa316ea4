import { tensor, tidy, type Tensor } from '@mta/core';
import { multiTokenAttention, type MtaOptions } from '@mta/ops-mta';
import type { MtaOperands, MtaRun } from './op-harness';

const f64 = (a: ArrayLike<number>): Float64Array => Float64Array.from(a);

/**
 * Forward and backward of MTA on the webgpu device (fused unless `options.impl` says otherwise) (float32), read back asynchronously; every
 * tensor freed. `scoresAt` maps the scores leaf before the call (e.g. to a view at an offset).
 */
export async function runMtaOnWebgpu(ops: MtaOperands, options: MtaOptions, scoresAt?: (x: Tensor) => Tensor): Promise<MtaRun> {
  const { B, Cin, Cout, L, kH, kW, groups } = ops;
  const leaf = (v: Float64Array, shape: number[]) => tensor(v, shape, { dtype: 'float32', device: 'webgpu', requiresGrad: true });
  const scores = leaf(ops.scores, [B, Cin, L, L]);
  const weight = leaf(ops.weight, [Cout, Cin / groups, kH, kW]);
  const bias = ops.bias ? leaf(ops.bias, [Cout]) : null;
  const gradOut = tensor(ops.gradOut, [B, Cout, L, L], { dtype: 'float32', device: 'webgpu' });
  const out = tidy(() => {
    const y = multiTokenAttention(scoresAt ? scoresAt(scores) : scores, weight, bias, { impl: 'fused', ...options });
    y.backward(gradOut);
    return y;
  });
  const run: MtaRun = {
    out: f64(await out.data()), gradScores: f64(await scores.grad!.data()), gradWeight: f64(await weight.grad!.data()),
    gradBias: bias ? f64(await bias.grad!.data()) : null,
  };
  for (const x of [out, gradOut, scores.grad, weight.grad, bias?.grad, scores, weight, bias]) x?.dispose();
  return run;
}
