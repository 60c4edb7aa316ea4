import type { Tensor } from '@mta/core';
import { ComputeBatch, type WebgpuContext } from '@mta/device-webgpu';
import type { MtaGeometry } from '../../geometry.js';
import { convForwardShader } from './conv-shaders.js';
import { rowActivationShader } from './row-activation-shader.js';

/**
 * The MTA forward on webgpu, two dispatches in one submit.
 *   post: P = softmax|sparsemax(mask(S)) (saved as `probs`), O = mask0(conv(pad(P)) + b)
 *   pre:  O = conv(pad(mask0(S))) + b, then softmax|sparsemax(mask(O)) in place
 */
export function mtaForwardWebgpu(ctx: WebgpuContext, g: MtaGeometry, scores: Tensor, weight: Tensor, bias: Tensor | null, out: Tensor, probs: Tensor | null): void {
  const wg = ctx.limits.workgroupSize;
  const batch = new ComputeBatch(ctx);
  const s = batch.bind(scores);
  const w = batch.bind(weight);
  const b = bias ? [batch.bind(bias)] : [];
  const o = batch.bind(out);
  // The convolutions run one invocation per position and group (all of a group's channels at once).
  const convGroups = Math.ceil((g.B * g.groups * g.L * g.L) / wg);
  const rowGroups = (channels: number): number => g.B * channels * g.L;
  if (g.mode === 'post') {
    if (!probs) throw new Error('webgpu MultiTokenAttention: post mode needs the probs output');
    const p = batch.bind(probs);
    batch.dispatch(rowActivationShader(g, g.Cin, wg, false), 'mta-activation', [s, p], rowGroups(g.Cin));
    batch.dispatch(convForwardShader(g, wg), 'mta-conv', [p, w, o, ...b], convGroups);
  } else {
    batch.dispatch(convForwardShader(g, wg), 'mta-conv', [s, w, o, ...b], convGroups);
    batch.dispatch(rowActivationShader(g, g.Cout, wg, true), 'mta-activation', [o], rowGroups(g.Cout));
  }
  batch.submit();
}
