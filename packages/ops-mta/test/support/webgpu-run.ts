import { runOp, tensor, tidy, type Tensor } from '@mta/core';
import { multiTokenAttention, mtaGeometry, MultiTokenAttentionOp, resolveDilation, resolvePads, type MtaGeometry, type MtaOptions } from '@mta/ops-mta';
import type { MtaOperands, MtaRun } from './op-harness';

const f64 = (a: ArrayLike<number>): Float64Array => Float64Array.from(a);
/** Values as float64: float16 results decoded (`data()` would give their bit patterns). */
const values = async (t: Tensor): Promise<Float64Array> => f64(t.dtype === 'float16' ? await t.numbers() : await t.data());

/** The dtypes the webgpu MTA kernels store. */
export type WebgpuMtaDType = 'float32' | 'float16';

/**
 * Forward and backward of MTA on the webgpu device (fused unless `options.impl` says otherwise), read back
 * asynchronously; every tensor freed. `scoresAt` maps the scores leaf before the call (e.g. to a view at an
 * offset). In float16 every operand is rounded to float16 once (from float64) on the way in, as a float16
 * caller's data would be.
 */
export async function runMtaOnWebgpu(ops: MtaOperands, options: MtaOptions, scoresAt?: (x: Tensor) => Tensor, dtype: WebgpuMtaDType = 'float32'): Promise<MtaRun> {
  return runOnWebgpu(ops, dtype, (scores, weight, bias) => multiTokenAttention(scoresAt ? scoresAt(scores) : scores, weight, bias, { impl: 'fused', ...options }));
}

/**
 * The same through the fused op itself (runOp with a geometry built here, autograd included), the way the
 * npu's float16 golden test calls its kernels: for calls the public entry refuses before any kernel, such
 * as sparsemax on float16 scores (geometry.ts keeps that refusal for every device).
 */
export async function runMtaKernelsOnWebgpu(ops: MtaOperands, options: MtaOptions, dtype: WebgpuMtaDType): Promise<MtaRun> {
  const dilation = resolveDilation(options.dilation ?? 1);
  const checked = mtaGeometry({ B: ops.B, Cin: ops.Cin, Cout: ops.Cout, L: ops.L, kH: ops.kH, kW: ops.kW }, {
    mode: options.mode ?? 'post', sparse: options.sparse ?? false, pads: resolvePads(options.padding ?? 0, ops.kH, ops.kW, dilation), dilation,
    groups: options.groups ?? 1,
  }, { hasBias: ops.bias !== null, dtype: 'float32' });
  const geometry: MtaGeometry = Object.freeze({ ...checked, dtype });
  return runOnWebgpu(ops, dtype, (scores, weight, bias) => runOp(MultiTokenAttentionOp, bias ? [scores, weight, bias] : [scores, weight], { geometry })[0]!);
}

async function runOnWebgpu(ops: MtaOperands, dtype: WebgpuMtaDType, call: (scores: Tensor, weight: Tensor, bias: Tensor | null) => Tensor): Promise<MtaRun> {
  const { B, Cin, Cout, L, kH, kW, groups } = ops;
  const leaf = (v: Float64Array, shape: number[]) => tensor(v, shape, { dtype, device: 'webgpu', requiresGrad: true });
  const scores = leaf(ops.scores, [B, Cin, L, L]);
  const weight = leaf(ops.weight, [Cout, Cin / groups, kH, kW]);
  const bias = ops.bias ? leaf(ops.bias, [Cout]) : null;
  const gradOut = tensor(ops.gradOut, [B, Cout, L, L], { dtype, device: 'webgpu' });
  const out = tidy(() => {
    const y = call(scores, weight, bias);
    y.backward(gradOut);
    return y;
  });
  const run: MtaRun = {
    out: await values(out), gradScores: await values(scores.grad!), gradWeight: await values(weight.grad!),
    gradBias: bias ? await values(bias.grad!) : null,
  };
  for (const x of [out, gradOut, scores.grad, weight.grad, bias?.grad, scores, weight, bias]) x?.dispose();
  return run;
}
