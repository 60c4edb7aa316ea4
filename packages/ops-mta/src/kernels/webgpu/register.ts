import { registerKernel, type KernelDef, type Tensor } from '@mta/core';
import { webgpuContext } from '@mta/device-webgpu';
import { MtaArgumentError } from '../../errors.js';
import type { MtaGeometry } from '../../geometry.js';
import { MultiTokenAttentionBackwardOp, MultiTokenAttentionOp, type MtaAttrs } from '../../ops.js';
import { mtaBackwardWebgpu } from './mta-backward.js';
import { mtaForwardWebgpu } from './mta-forward.js';
import { registerWebgpuSparsemaxKernels } from './sparsemax.js';

/** What the kernels store: float32, or float16 packed two to a word (map-storage.ts); both compute in f32. */
const STORED: readonly string[] = ['float32', 'float16'];

/**
 * Every operand and result of a call has the scores' dtype (the geometry's), float32 or float16. Any other
 * dtype is the caller's choice, not a bug: a named error with the argument, what was expected and what was
 * given (the fuzz requires that of every rejection).
 */
function checkDtypes(g: MtaGeometry, tensors: readonly (readonly [string, Tensor | undefined])[], where: string): void {
  const fix = "cast with .cast('float32') (or .cast('float16')), or run on cpu (`await tensor.toAsync('cpu')`)";
  if (!STORED.includes(g.dtype)) {
    throw new MtaArgumentError(where, 'scores', 'float32 or float16 (the webgpu kernels store these and compute in f32)', g.dtype, fix);
  }
  for (const [argument, t] of tensors) {
    if (t && t.dtype !== g.dtype) throw new MtaArgumentError(where, argument, `a ${g.dtype} tensor like the scores`, t.describe(), fix);
  }
}

const forwardKernel: KernelDef<MtaAttrs>['run'] = ({ inputs: [scores, weight, bias], outputs: [out, probs], attrs: { geometry } }) => {
  checkDtypes(geometry, [['scores', scores], ['weight', weight], ['bias', bias]], 'multiTokenAttention on webgpu');
  mtaForwardWebgpu(webgpuContext(), geometry, scores!, weight!, bias ?? null, out!, probs ?? null);
};

const backwardKernel: KernelDef<MtaAttrs>['run'] = ({ inputs, outputs: [gradScores, gradWeight, gradBias], attrs: { geometry } }) => {
  checkDtypes(geometry, inputs.map((t, k) => [k === 0 ? 'gradient of the output' : `saved input ${k}`, t] as const), 'multiTokenAttention backward on webgpu');
  const post = geometry.mode === 'post';
  const [gradOut, map, third, fourth] = inputs;
  mtaBackwardWebgpu(webgpuContext(), geometry, {
    gradOut: gradOut!, map: map!, scores: post ? null : third!, weight: post ? third! : fourth!,
  }, gradScores!, gradWeight!, gradBias ?? null);
};

/** The fused MTA forward and backward, and sparsemax (for the composite path), on the webgpu device (module constants: registering twice changes nothing). */
export function registerWebgpuMtaKernels(): () => void {
  const disposers = [
    registerKernel(MultiTokenAttentionOp, 'webgpu', forwardKernel), registerKernel(MultiTokenAttentionBackwardOp, 'webgpu', backwardKernel),
    registerWebgpuSparsemaxKernels(),
  ];
  return () => disposers.forEach((d) => d());
}
