import { MtaArgumentError } from '../../errors.js';
import { registerKernel, type KernelDef, type Tensor, hostData } from '@mta/core';
import { MultiTokenAttentionBackwardOp, MultiTokenAttentionOp, type MtaAttrs } from '../../ops.js';
import { mtaBackward, mtaForward } from './fused.js';
import { MtaCpuPool } from './pool.js';
import { cpuThreadsFromEnv } from './threads-env.js';
import { MtaCpuWorkspace } from './workspace.js';
import { registerCpuSparsemaxKernels } from './sparsemax-op.js';
import type { MtaArray } from './types.js';

/**
 * The fused MTA kernels on the cpu device. One workspace serves every call (buffers reused across calls);
 * a worker pool of MTA_CPU_THREADS threads (default: all cores) starts in the background and joins large
 * calls once ready, with results bit-identical to the single-thread path.
 */
let workspace = new MtaCpuWorkspace();
let poolStarting: Promise<MtaCpuPool | null> | null = null;

/**
 * Starts (once) the worker pool; resolves when large calls use it. MTA_CPU_THREADS=1 keeps everything on one
 * thread; a malformed MTA_CPU_THREADS throws an InvalidArgumentError here, synchronously.
 */
export function startMtaCpuThreads(threads = cpuThreadsFromEnv()): Promise<MtaCpuPool | null> {
  if (!poolStarting) {
    poolStarting = threads > 1
      ? MtaCpuPool.create({ threads }).then((pool) => { workspace = new MtaCpuWorkspace({ pool }); return pool; }, () => null)
      : Promise.resolve(null);
  }
  return poolStarting;
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
  mtaForward(view(scores!, 'scores'), view(weight!, 'weight'), bias ? view(bias, 'bias') : null, attrs.geometry,
    { out: view(out!, 'out'), probs: probs ? view(probs, 'probs') : undefined }, workspace);
};

const cpuMtaBackward: KernelDef<MtaAttrs>['run'] = ({ inputs, outputs: [gradScores, gradWeight, gradBias], attrs }) => {
  const { geometry } = attrs;
  const post = geometry.mode === 'post';
  const [g, map, third, fourth] = inputs;
  const probs = view(map!, 'saved probabilities');
  const weight = view(post ? third! : fourth!, 'weight');
  // Post mode never reads the scores; the probability map stands in for them.
  const scores = post ? probs : view(third!, 'scores');
  mtaBackward(view(g!, 'gradOut'), { geometry, probs }, scores, weight,
    { gradScores: view(gradScores!, 'gradScores'), gradWeight: view(gradWeight!, 'gradWeight'), gradBias: gradBias ? view(gradBias, 'gradBias') : undefined },
    workspace);
};

export function registerCpuMtaKernels(): () => void {
  const forward = registerKernel(MultiTokenAttentionOp, 'cpu', cpuMtaForward);
  const backward = registerKernel(MultiTokenAttentionBackwardOp, 'cpu', cpuMtaBackward);
  const sparsemax = registerCpuSparsemaxKernels();
  return () => { forward(); backward(); sparsemax(); };
}
