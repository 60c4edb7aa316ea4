import { MtaArgumentError } from '../../errors.js';
import { registerKernel, type KernelDef, type Tensor, hostData } from '@mta/core';
import { MultiTokenAttentionBackwardOp, MultiTokenAttentionOp, type MtaAttrs } from '../../ops.js';
import { mtaBackward, mtaForward } from './fused.js';
import type { MtaCpuPool } from './pool.js';
import { MtaCpuWorkspace } from './workspace.js';
import { registerCpuSparsemaxKernels } from './sparsemax-op.js';
import type { MtaArray } from './types.js';

/**
 * The fused MTA kernels on the cpu device. One workspace serves every call (buffers reused across calls).
 * This module is platform-neutral: on Node, `startMtaCpuThreads` (threads.ts) hands it a worker pool
 * with `useMtaCpuPool`, and large calls then run on it, bit-identical to the single-thread path.
 */
let workspace = new MtaCpuWorkspace();

/** Large calls run on `pool` from now on (null: on the calling thread only). */
export function useMtaCpuPool(pool: MtaCpuPool | null): void {
  workspace = new MtaCpuWorkspace(pool ? { pool } : {});
}

function view(t: Tensor, what: string): MtaArray {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    throw new MtaArgumentError('cpu MultiTokenAttention', what, 'float32 or float64 on the cpu device', t.describe(),
      "cast with .cast('float32') (half precision storage is an npu feature)");
  }
  const data = hostData(t) as MtaArray;
  return t.offset === 0 && data.length === t.size ? data : data.subarray(t.offset, t.offset + t.size);
}

// Kernel functions are module constants, so that registering twice is recognised as the same registration.
const cpuMtaForward: KernelDef<MtaAttrs>['run'] = ({ inputs: [scores, weight, bias], outputs: [out, probs], attrs }) => {
  // No probs output in post mode: an inference call (attrs.savesMap false), nothing to save.
  const args = [view(scores!, 'scores'), view(weight!, 'weight'), bias ? view(bias, 'bias') : null, attrs.geometry] as const;
  if (probs) mtaForward(...args, { out: view(out!, 'out'), probs: view(probs, 'probs') }, workspace);
  else mtaForward(...args, { out: view(out!, 'out'), probs: null }, workspace);
};

const cpuMtaBackward: KernelDef<MtaAttrs>['run'] = ({ inputs, outputs: [gradScores, gradWeight, gradBias], attrs }) => {
  const { geometry } = attrs;
  const post = geometry.mode === 'post';
  const [g, map, third, fourth] = inputs;
  const weight = view(post ? third! : fourth!, 'weight');
  // Post mode without the saved map (savesMap false): the second input is the scores, P is recomputed from them.
  const recompute = post && attrs.savesMap === false;
  const probs = view(map!, recompute ? 'scores' : 'saved probabilities');
  // Post mode with the saved map never reads the scores; the probability map stands in for them.
  const scores = post ? probs : view(third!, 'scores');
  mtaBackward(view(g!, 'gradOut'), recompute ? { geometry, probs: null } : { geometry, probs }, scores, weight,
    { gradScores: view(gradScores!, 'gradScores'), gradWeight: view(gradWeight!, 'gradWeight'), gradBias: gradBias ? view(gradBias, 'gradBias') : undefined },
    workspace);
};

export function registerCpuMtaKernels(): () => void {
  const forward = registerKernel(MultiTokenAttentionOp, 'cpu', cpuMtaForward);
  const backward = registerKernel(MultiTokenAttentionBackwardOp, 'cpu', cpuMtaBackward);
  const sparsemax = registerCpuSparsemaxKernels();
  return () => { forward(); backward(); sparsemax(); };
}
