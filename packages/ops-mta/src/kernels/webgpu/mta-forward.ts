import type { Tensor } from '@mta/core';
import { ComputeBatch, type WebgpuContext } from '@mta/device-webgpu';
import type { MtaGeometry } from '../../geometry.js';
import { planBatchSlabs } from './batch-slabs.js';
import { convForwardShader, convForwardUnrolledShader, convWorkgroups, useUnrolledConv } from './conv-shaders.js';
import { widenedParameter } from './half-parameters.js';
import { storageOf } from './map-storage.js';
import { quadConvForwardShader, quadConvWorkgroups, useQuadConv } from './quad-conv-shaders.js';
import { quadRowActivationShader, useQuadRows } from './quad-row-shaders.js';
import { rowActivationShader } from './row-activation-shader.js';

/**
 * The MTA forward on webgpu, two dispatches per slab of batches (one slab unless the maps outgrow a
 * storage binding), one submit.
 *   post: P = softmax|sparsemax(mask(S)) (saved as `probs`), O = mask0(conv(pad(P)) + b)
 *   pre:  O = conv(pad(mask0(S))) + b, then softmax|sparsemax(mask(O)) in place
 * float16 (every operand and result packed, map-storage.ts): the weight and bias are widened to f32 scratch
 * first; post mode reads S and writes P and O packed; pre mode convolves into an f32 scratch C (one slab's,
 * so the activation sees the convolution unrounded, as the npu's UB does) and activates C into O.
 */
export function mtaForwardWebgpu(ctx: WebgpuContext, g: MtaGeometry, scores: Tensor, weight: Tensor, bias: Tensor | null, out: Tensor, probs: Tensor | null): void {
  const wg = ctx.limits.workgroupSize;
  const slabs = planBatchSlabs(g, ctx.limits.maxStorageBindingBytes);
  const gs = slabs.geometry;
  const maps = storageOf(g);
  const batch = new ComputeBatch(ctx);
  const s = batch.bindParts(scores, slabs.count);
  const o = batch.bindParts(out, slabs.count);
  // Weights as a uniform buffer where they fit one (and the unrolled shader stays small), else as storage.
  // float16 calls run the loop shaders over the weights widened to f32 (the unrolled ones take f32 maps only).
  const wUniform = maps === 'f32' && useUnrolledConv(gs) ? batch.bindUniform(weight) : null;
  const w = wUniform ?? widenedParameter(batch, weight);
  const quadConv = wUniform !== null && useQuadConv(gs);
  const conv = quadConv ? quadConvForwardShader(gs, wg) : wUniform ? convForwardUnrolledShader(gs, wg) : convForwardShader(gs, wg);
  const convGroups = quadConv ? quadConvWorkgroups(gs, wg) : convWorkgroups(gs, 'f32', wg);
  const quadRows = useQuadRows(gs, wg);
  const b = bias ? [widenedParameter(batch, bias)] : [];
  const rowGroups = (channels: number): number => gs.B * channels * gs.L;
  if (g.mode === 'post' && !probs) throw new Error('webgpu MultiTokenAttention: post mode needs the probs output');
  const p = probs ? batch.bindParts(probs, slabs.count) : [];
  // float16 pre mode: one slab's convolution in f32, reused by every slab (passes of one encoder run in order).
  const c = g.mode === 'pre' && maps === 'f16' ? batch.scratch(gs.B * gs.Cout * gs.L * gs.L * 4) : null;
  for (let k = 0; k < slabs.count; k++) {
    if (g.mode === 'post') {
      const activation = quadRows ? quadRowActivationShader(gs, gs.Cin, wg, false) : rowActivationShader(gs, gs.Cin, wg, false, { src: maps, dst: maps });
      batch.dispatch(activation, 'mta-activation', [s[k]!, p[k]!], rowGroups(gs.Cin));
      if (maps === 'f16') {
        batch.dispatch(convForwardShader(gs, wg, { input: maps, output: maps }), 'mta-conv', [p[k]!, w, o[k]!, ...b], convWorkgroups(gs, maps, wg));
      } else {
        batch.dispatch(conv, 'mta-conv', [p[k]!, w, o[k]!, ...b], convGroups);
      }
    } else if (c) {
      batch.dispatch(convForwardShader(gs, wg, { input: maps, output: 'f32' }), 'mta-conv', [s[k]!, w, c, ...b], convWorkgroups(gs, 'f32', wg));
      batch.dispatch(rowActivationShader(gs, gs.Cout, wg, false, { src: 'f32', dst: maps }), 'mta-activation', [c, o[k]!], rowGroups(gs.Cout));
    } else {
      batch.dispatch(conv, 'mta-conv', [s[k]!, w, o[k]!, ...b], convGroups);
      const activation = quadRows ? quadRowActivationShader(gs, gs.Cout, wg, true) : rowActivationShader(gs, gs.Cout, wg, true);
      batch.dispatch(activation, 'mta-activation', [o[k]!], rowGroups(gs.Cout));
    }
  }
  batch.submit();
}

