import type { Tensor } from '@mta/core';
import { ComputeBatch, type StorageBinding, type WebgpuContext } from '@mta/device-webgpu';
import type { MtaGeometry } from '../../geometry.js';
import { convTransposeShader } from './conv-shaders.js';
import { rowVjpShader } from './row-vjp-shader.js';
import { planWeightGrad, weightGradPartialsShader, weightGradReduceShader } from './weight-grad-shaders.js';

/** The saved tensors the backward reads: post [probs, weight]; pre [out, scores, weight]. */
export interface MtaBackwardInputs {
  readonly gradOut: Tensor;
  /** post: P (B, Cin, L, L); pre: the forward output O (B, Cout, L, L). */
  readonly map: Tensor;
  /** pre only: the forward's scores. */
  readonly scores: Tensor | null;
  readonly weight: Tensor;
}

/**
 * The MTA backward on webgpu, one submit.
 *   post: dP = convT(mask0(G), W) into gradScores, then dS = vjp(P, dP) in place; dW, db from (mask0(G), P)
 *   pre:  Gy = vjp(O, G) into scratch; dS = mask0(convT(Gy, W)); dW, db from (Gy, mask0(S))
 */
export function mtaBackwardWebgpu(
  ctx: WebgpuContext, g: MtaGeometry, inputs: MtaBackwardInputs, gradScores: Tensor, gradWeight: Tensor, gradBias: Tensor | null,
): void {
  const wg = ctx.limits.workgroupSize;
  const batch = new ComputeBatch(ctx);
  const grad = batch.bind(inputs.gradOut);
  const map = batch.bind(inputs.map);
  const w = batch.bind(inputs.weight);
  const dS = batch.bind(gradScores);
  // The convolutions run one invocation per position and group (all of a group's channels at once).
  const convGroups = Math.ceil((g.B * g.groups * g.L * g.L) / wg);
  const rowGroups = (channels: number): number => g.B * channels * g.L;
  let gy: StorageBinding;
  let x: StorageBinding;
  if (g.mode === 'post') {
    gy = grad;
    x = map;
    batch.dispatch(convTransposeShader(g, wg), 'mta-conv-transpose', [gy, w, dS], convGroups);
    batch.dispatch(rowVjpShader(g, g.Cin, wg, true), 'mta-activation-vjp', [map, dS], rowGroups(g.Cin));
  } else {
    if (!inputs.scores) throw new Error('webgpu MultiTokenAttentionBackward: pre mode needs the forward scores');
    gy = batch.scratch(g.B * g.Cout * g.L * g.L * 4);
    x = batch.bind(inputs.scores);
    batch.dispatch(rowVjpShader(g, g.Cout, wg, false), 'mta-activation-vjp', [map, grad, gy], rowGroups(g.Cout));
    batch.dispatch(convTransposeShader(g, wg), 'mta-conv-transpose', [gy, w, dS], convGroups);
  }
  const plan = planWeightGrad(g);
  const partials = batch.scratch(plan.partialCount * 4);
  batch.dispatch(weightGradPartialsShader(g, plan, wg, ctx.limits.maxWorkgroupStorageBytes), 'mta-weight-grad', [gy, x, partials], plan.workgroups);
  const outputs = [batch.bind(gradWeight), ...(gradBias ? [batch.bind(gradBias)] : [])];
  batch.dispatch(weightGradReduceShader(g, plan, wg), 'mta-weight-grad-sum', [partials, ...outputs], g.wElems + (gradBias ? g.Cout : 0));
  batch.submit();
}
