import { registerKernel, type KernelDef, type Tensor } from '@mta/core';
import { webgpuContext } from '@mta/device-webgpu';
import type { MtaGeometry } from '../../geometry.js';
import { MultiTokenAttentionBackwardOp, MultiTokenAttentionOp, type MtaAttrs } from '../../ops.js';
import { mtaBackwardWebgpu } from './mta-backward.js';
import { mtaForwardWebgpu } from './mta-forward.js';

function checkFloat32(g: MtaGeometry, tensors: readonly (Tensor | undefined)[], op: string): void {
  for (const t of tensors) {
    if (t && t.dtype !== 'float32') {
      throw new Error(`webgpu ${op}: ${t.describe()} must be float32 on webgpu (the kernels compute in float32); cast with .cast('float32')`);
    }
  }
  if (g.dtype !== 'float32') throw new Error(`webgpu ${op}: geometry dtype ${g.dtype}: the webgpu kernels take float32`);
}

const forwardKernel: KernelDef<MtaAttrs>['run'] = ({ inputs: [scores, weight, bias], outputs: [out, probs], attrs: { geometry } }) => {
  checkFloat32(geometry, [scores, weight, bias], 'MultiTokenAttention');
  mtaForwardWebgpu(webgpuContext(), geometry, scores!, weight!, bias ?? null, out!, probs ?? null);
};

const backwardKernel: KernelDef<MtaAttrs>['run'] = ({ inputs, outputs: [gradScores, gradWeight, gradBias], attrs: { geometry } }) => {
  checkFloat32(geometry, inputs, 'MultiTokenAttentionBackward');
  const post = geometry.mode === 'post';
  const [gradOut, map, third, fourth] = inputs;
  mtaBackwardWebgpu(webgpuContext(), geometry, {
    gradOut: gradOut!, map: map!, scores: post ? null : third!, weight: post ? third! : fourth!,
  }, gradScores!, gradWeight!, gradBias ?? null);
};

/** The fused MTA forward and backward on the webgpu device (module constants: registering twice changes nothing). */
export function registerWebgpuMtaKernels(): () => void {
  const disposers = [registerKernel(MultiTokenAttentionOp, 'webgpu', forwardKernel), registerKernel(MultiTokenAttentionBackwardOp, 'webgpu', backwardKernel)];
  return () => disposers.forEach((d) => d());
}
