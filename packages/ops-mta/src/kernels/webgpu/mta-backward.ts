import type { Tensor } from '@mta/core';
import { ComputeBatch, type StorageBinding, type WebgpuContext } from '@mta/device-webgpu';
import type { MtaGeometry } from '../../geometry.js';
import { planBatchSlabs } from './batch-slabs.js';
import { convTransposeShader, convTransposeUnrolledShader, convWorkgroups, useUnrolledConv } from './conv-shaders.js';
import { gradientTarget, widenedParameter } from './half-parameters.js';
import { storageOf } from './map-storage.js';
import { rowVjpShader } from './row-vjp-shader.js';
import { planWeightGrad, weightGradChannelsShader, weightGradPartialsShader, weightGradReduceShader } from './weight-grad-shaders.js';
import { quadConvTransposeShader, quadConvWorkgroups, useQuadConv } from './quad-conv-shaders.js';
import { quadRowVjpShader, useQuadRows } from './quad-row-shaders.js';

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
 * float16 (map-storage.ts): G, the saved maps and dS are packed, W is widened to f32 scratch, Gy stays an
 * f32 scratch, and post mode's dP goes to an f32 scratch (one slab's) instead of into dS, so the VJP sees it
 * unrounded; dW and db are summed in f32 exactly as for float32 and narrowed to float16 at the end.
 */
export function mtaBackwardWebgpu(
  ctx: WebgpuContext, g: MtaGeometry, inputs: MtaBackwardInputs, gradScores: Tensor, gradWeight: Tensor, gradBias: Tensor | null,
): void {
  const wg = ctx.limits.workgroupSize;
  const slabs = planBatchSlabs(g, ctx.limits.maxStorageBindingBytes);
  const gs = slabs.geometry;
  const maps = storageOf(g);
  const batch = new ComputeBatch(ctx);
  const grad = batch.bindParts(inputs.gradOut, slabs.count);
  const map = batch.bindParts(inputs.map, slabs.count);
  const dS = batch.bindParts(gradScores, slabs.count);
  // Weights as a uniform buffer where they fit one (and the unrolled shader stays small), else as storage.
  // float16 calls run the loop shaders over the weight widened to f32 (the unrolled ones take f32 maps only).
  const wUniform = maps === 'f32' && useUnrolledConv(gs) ? batch.bindUniform(inputs.weight) : null;
  const w = wUniform ?? widenedParameter(batch, inputs.weight);
  const quadConv = wUniform !== null && useQuadConv(gs);
  const convT = quadConv ? quadConvTransposeShader(gs, wg) : wUniform ? convTransposeUnrolledShader(gs, wg) : convTransposeShader(gs, wg);
  const convTGroups = quadConv ? quadConvWorkgroups(gs, wg) : convWorkgroups(gs, 'f32', wg);
  const quadRows = useQuadRows(gs, wg);
  const rowGroups = (channels: number): number => gs.B * channels * gs.L;
  const plan = planWeightGrad(gs, wg);
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
  // float16 post mode: one slab's dP in f32, reused by every slab.
  const dP = g.mode === 'post' && maps === 'f16' ? batch.scratch(gs.B * gs.Cin * gs.L * gs.L * 4) : null;
  for (let k = 0; k < slabs.count; k++) {
    let gy: StorageBinding;
    let x: StorageBinding;
    if (g.mode === 'post') {
      gy = grad[k]!;
      x = map[k]!;
      if (dP) {
        batch.dispatch(convTransposeShader(gs, wg, { input: maps, output: 'f32' }), 'mta-conv-transpose', [gy, w, dP], convWorkgroups(gs, 'f32', wg));
        batch.dispatch(rowVjpShader(gs, gs.Cin, wg, false, { p: maps, g: 'f32', out: maps }), 'mta-activation-vjp', [map[k]!, dP, dS[k]!], rowGroups(gs.Cin));
      } else {
        batch.dispatch(convT, 'mta-conv-transpose', [gy, w, dS[k]!], convTGroups);
        const vjp = quadRows ? quadRowVjpShader(gs, gs.Cin, wg, true) : rowVjpShader(gs, gs.Cin, wg, true);
        batch.dispatch(vjp, 'mta-activation-vjp', [map[k]!, dS[k]!], rowGroups(gs.Cin));
      }
    } else {
      gy = gyScratch!;
      x = scores[k]!;
      const vjp = quadRows ? quadRowVjpShader(gs, gs.Cout, wg, false) : rowVjpShader(gs, gs.Cout, wg, false, { p: maps, g: maps, out: 'f32' });
      batch.dispatch(vjp, 'mta-activation-vjp', [map[k]!, grad[k]!, gy], rowGroups(gs.Cout));
      if (maps === 'f16') {
        batch.dispatch(convTransposeShader(gs, wg, { input: 'f32', output: maps }), 'mta-conv-transpose', [gy, w, dS[k]!], convWorkgroups(gs, maps, wg));
      } else {
        batch.dispatch(convT, 'mta-conv-transpose', [gy, w, dS[k]!], convTGroups);
      }
    }
    const gyStorage = g.mode === 'post' ? maps : 'f32';
    const partialsShader = plan.kind === 'channels'
      ? weightGradChannelsShader(gs, plan, wg, ctx.limits.maxWorkgroupStorageBytes)
      : weightGradPartialsShader(gs, plan, wg, ctx.limits.maxWorkgroupStorageBytes, { gy: gyStorage, x: maps });
    batch.dispatch(partialsShader, 'mta-weight-grad',
      [gy, x, ComputeBatch.range(partials, k * regionBytes, plan.partialCount * 4)], plan.workgroups);
  }
  const targets = [gradientTarget(batch, gradWeight), ...(gradBias ? [gradientTarget(batch, gradBias)] : [])];
  batch.dispatch(weightGradReduceShader(gs, plan, wg, { count: slabs.count, regionFloats: regionBytes / 4 }), 'mta-weight-grad-sum',
    [partials, ...targets.map((t) => t.binding)], g.wElems + (gradBias ? g.Cout : 0));
  for (const t of targets) t.finish();
  batch.submit();
}
