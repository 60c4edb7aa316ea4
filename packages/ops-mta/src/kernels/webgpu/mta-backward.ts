import type { Tensor } from '@mta/core';
import { ComputeBatch, type StorageBinding, type WebgpuContext } from '@mta/device-webgpu';
import type { MtaGeometry } from '../../geometry.js';
import { planBatchSlabs } from './batch-slabs.js';
import { convTransposeShader, convTransposeUnrolledShader, useUnrolledConv } from './conv-shaders.js';
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
 * The MTA backward on webgpu, per slab of batches (one slab unless the maps outgrow a storage binding),
 * one submit.
 *   post: dP = convT(mask0(G), W) into gradScores, then dS = vjp(P, dP) in place; dW, db from (mask0(G), P)
 *   pre:  Gy = vjp(O, G) into scratch; dS = mask0(convT(Gy, W)); dW, db from (Gy, mask0(S))
 */
export function mtaBackwardWebgpu(
  ctx: WebgpuContext, g: MtaGeometry, inputs: MtaBackwardInputs, gradScores: Tensor, gradWeight: Tensor, gradBias: Tensor | null,
): void {
  const wg = ctx.limits.workgroupSize;
  const slabs = planBatchSlabs(g, ctx.limits.maxStorageBindingBytes);
  const gs = slabs.geometry;
  const batch = new ComputeBatch(ctx);
  const grad = batch.bindParts(inputs.gradOut, slabs.count);
  const map = batch.bindParts(inputs.map, slabs.count);
  const dS = batch.bindParts(gradScores, slabs.count);
  // Weights as a uniform buffer where they fit one (and the unrolled shader stays small), else as storage.
  const wUniform = useUnrolledConv(gs) ? batch.bindUniform(inputs.weight) : null;
  const w = wUniform ?? batch.bind(inputs.weight);
  const convT = wUniform ? convTransposeUnrolledShader(gs, wg) : convTransposeShader(gs, wg);
  // The convolutions run one invocation per position and group (all of a group's channels at once).
  const convGroups = Math.ceil((gs.B * gs.groups * gs.L * gs.L) / wg);
  const rowGroups = (channels: number): number => gs.B * channels * gs.L;
  const plan = planWeightGrad(gs);
  // Each slab writes its weight-gradient partials to its own aligned region; the final pass sums them all.
  const align = ctx.limits.storageOffsetAlignment;
  const regionBytes = Math.ceil((plan.partialCount * 4) / align) * align;
  const partials = batch.scratch(regionBytes * slabs.count);
  let scores: StorageBinding[] = [];
  let gyScratch: StorageBinding | null = null;
  if (g.mode === 'pre') {
    if (!inputs.scores) throw new Error('webgpu MultiTokenAttentionBackward: pre mode needs the forward scores');
    scores = batch.bindParts(inputs.scores, slabs.count);
    // One slab's Gy, reused by every slab: passes of one encoder run in order.
    gyScratch = batch.scratch(gs.B * gs.Cout * gs.L * gs.L * 4);
  }
  for (let k = 0; k < slabs.count; k++) {
    let gy: StorageBinding;
    let x: StorageBinding;
    if (g.mode === 'post') {
      gy = grad[k]!;
      x = map[k]!;
      batch.dispatch(convT, 'mta-conv-transpose', [gy, w, dS[k]!], convGroups);
      batch.dispatch(rowVjpShader(gs, gs.Cin, wg, true), 'mta-activation-vjp', [map[k]!, dS[k]!], rowGroups(gs.Cin));
    } else {
      gy = gyScratch!;
      x = scores[k]!;
      batch.dispatch(rowVjpShader(gs, gs.Cout, wg, false), 'mta-activation-vjp', [map[k]!, grad[k]!, gy], rowGroups(gs.Cout));
      batch.dispatch(convT, 'mta-conv-transpose', [gy, w, dS[k]!], convGroups);
    }
    batch.dispatch(weightGradPartialsShader(gs, plan, wg, ctx.limits.maxWorkgroupStorageBytes), 'mta-weight-grad',
      [gy, x, ComputeBatch.range(partials, k * regionBytes, plan.partialCount * 4)], plan.workgroups);
  }
  const outputs = [batch.bind(gradWeight), ...(gradBias ? [batch.bind(gradBias)] : [])];
  batch.dispatch(weightGradReduceShader(gs, plan, wg, { count: slabs.count, regionFloats: regionBytes / 4 }), 'mta-weight-grad-sum',
    [partials, ...outputs], g.wElems + (gradBias ? g.Cout : 0));
  batch.submit();
}
