import type { Tensor } from '@mta/core';
import { ComputeBatch, type WebgpuContext } from '@mta/device-webgpu';
import type { MtaGeometry } from '../../geometry.js';
import { planBatchSlabs } from './batch-slabs.js';
import { convForwardShader, convForwardUnrolledShader, useUnrolledConv } from './conv-shaders.js';
import { rowActivationShader } from './row-activation-shader.js';

/**
 * The MTA forward on webgpu, two dispatches per slab of batches (one slab unless the maps outgrow a
 * storage binding), one submit.
 *   post: P = softmax|sparsemax(mask(S)) (saved as `probs`), O = mask0(conv(pad(P)) + b)
 *   pre:  O = conv(pad(mask0(S))) + b, then softmax|sparsemax(mask(O)) in place
 */
export function mtaForwardWebgpu(ctx: WebgpuContext, g: MtaGeometry, scores: Tensor, weight: Tensor, bias: Tensor | null, out: Tensor, probs: Tensor | null): void {
  const wg = ctx.limits.workgroupSize;
  const slabs = planBatchSlabs(g, ctx.limits.maxStorageBindingBytes);
  const gs = slabs.geometry;
  const batch = new ComputeBatch(ctx);
  const s = batch.bindParts(scores, slabs.count);
  const o = batch.bindParts(out, slabs.count);
  // Weights as a uniform buffer where they fit one (and the unrolled shader stays small), else as storage.
  const wUniform = useUnrolledConv(gs) ? batch.bindUniform(weight) : null;
  const w = wUniform ?? batch.bind(weight);
  const conv = wUniform ? convForwardUnrolledShader(gs, wg) : convForwardShader(gs, wg);
  const b = bias ? [batch.bind(bias)] : [];
  // The convolutions run one invocation per position and group (all of a group's channels at once).
  const convGroups = Math.ceil((gs.B * gs.groups * gs.L * gs.L) / wg);
  const rowGroups = (channels: number): number => gs.B * channels * gs.L;
  if (g.mode === 'post' && !probs) throw new Error('webgpu MultiTokenAttention: post mode needs the probs output');
  const p = probs ? batch.bindParts(probs, slabs.count) : [];
  for (let k = 0; k < slabs.count; k++) {
    if (g.mode === 'post') {
      batch.dispatch(rowActivationShader(gs, gs.Cin, wg, false), 'mta-activation', [s[k]!, p[k]!], rowGroups(gs.Cin));
      batch.dispatch(conv, 'mta-conv', [p[k]!, w, o[k]!, ...b], convGroups);
    } else {
      batch.dispatch(conv, 'mta-conv', [s[k]!, w, o[k]!, ...b], convGroups);
      batch.dispatch(rowActivationShader(gs, gs.Cout, wg, true), 'mta-activation', [o[k]!], rowGroups(gs.Cout));
    }
  }
  batch.submit();
}
