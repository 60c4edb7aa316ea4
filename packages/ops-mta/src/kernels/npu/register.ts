import { MtaArgumentError } from '../../errors.js';
import { registerKernel, writeElement, type KernelDef, type Tensor, hostData } from '@mta/core';
import { npuSimulator, type GmBuffer, type NpuDType, type NpuSimulator } from '@mta/device-npu';
import { MultiTokenAttentionBackwardOp, MultiTokenAttentionOp, type MtaAttrs } from '../../ops.js';
import { type NpuMtaBackwardResult, type NpuMtaSaved, npuMtaBackward, npuMtaForward } from './forward-backward.js';
import { cachedNpuMtaPlan } from './plan-cache.js';

/**
 * MTA on the npu device: the tensors' host arrays are adopted as the simulator's GM without a copy (inputs
 * read-only, outputs written in place), the UB-planned kernels run, and the results are already in the
 * output tensors. GM traffic inside the kernels is what explain() counts; the tensors stand for data that
 * would already live in device memory.
 */
function gmDtype(t: Tensor): NpuDType {
  if (t.dtype === 'float32' || t.dtype === 'float16' || t.dtype === 'bfloat16') return t.dtype;
  throw new MtaArgumentError('npu MultiTokenAttention', t.describe(), 'float32, float16 or bfloat16 (compute is float32 in the Unified Buffer)',
    t.dtype, "cast with .cast('float32')");
}

/** The tensor's elements in its host array: float32 values or float16/bfloat16 bit patterns, as GM holds them. */
function elements(t: Tensor): Float32Array | Uint16Array {
  const data = hostData(t);
  if (!(data instanceof Float32Array || data instanceof Uint16Array)) throw new Error(`npu MTA: unexpected host storage for ${t.describe()}`);
  return data.subarray(t.offset, t.offset + t.size);
}

/** An input tensor as read-only GM (no copy). */
function input(sim: NpuSimulator, name: string, t: Tensor): GmBuffer {
  return sim.adopt(name, gmDtype(t), t.shape, elements(t), 'read');
}

/** GM values into an existing tensor of any dtype (converting). */
function downloadInto(sim: NpuSimulator, gm: GmBuffer, t: Tensor): void {
  const data = hostData(t);
  if (t.dtype === 'float32') {
    sim.downloadInto(gm, data as Float32Array, t.offset);
    return;
  }
  const values = sim.download(gm);
  for (let i = 0; i < values.length; i++) writeElement(t.dtype, data, t.offset + i, values[i]!);
}

/** An output tensor as GM the kernels write (no download afterwards). */
function output(sim: NpuSimulator, name: string, t: Tensor): GmBuffer {
  return sim.adopt(name, gmDtype(t), t.shape, elements(t), 'write');
}

// Kernel functions are module constants, so that registering twice is recognised as the same registration.
const npuMtaForwardKernel: KernelDef<MtaAttrs>['run'] = ({ inputs: [scores, weight, bias], outputs: [out, probs], attrs }) => {
  const sim = npuSimulator();
  const gm = [input(sim, 'scores', scores!), input(sim, 'weight', weight!), ...(bias ? [input(sim, 'bias', bias)] : [])];
  // The geometry is a superset of the npu kernels' shape and config, so it passes as both.
  const { geometry } = attrs;
  const plan = cachedNpuMtaPlan(sim.spec, geometry, geometry, gm[0]!.dtype, gm[2] !== undefined);
  // O and (post) P have the scores' dtype, as their tensors do: the kernels write straight into them.
  const outputs = { out: output(sim, 'mta.out', out!), ...(probs ? { probs: output(sim, 'mta.probs', probs) } : {}) };
  try {
    npuMtaForward(sim, gm[0]!, gm[1]!, gm[2] ?? null, geometry, geometry, { plan, outputs });
  } finally {
    for (const b of [...gm, outputs.out, ...(outputs.probs ? [outputs.probs] : [])]) sim.free(b);
  }
};

const npuMtaBackwardKernel: KernelDef<MtaAttrs>['run'] = ({ inputs, outputs: [gradScores, gradWeight, gradBias], attrs }) => {
  const sim = npuSimulator();
  const post = attrs.geometry.mode === 'post';
  const [g, probsOrOut, scoresOrWeight, preWeight] = inputs;
  const weightT = post ? scoresOrWeight! : preWeight!;
  const gradOut = input(sim, 'gradOut', g!);
  const saved = savedFrom(sim, attrs, probsOrOut!, post ? null : scoresOrWeight!, weightT);
  // dS has the scores' dtype, as its tensor does; dW and db (the weight's dtype in GM, a few elements) are
  // downloaded and converted to their tensors' dtype.
  const gs = output(sim, 'mta.grad_scores', gradScores!);
  let res: NpuMtaBackwardResult | null = null;
  try {
    res = npuMtaBackward(sim, gradOut, saved, { gradScores: gs });
    downloadInto(sim, res.gradWeight, gradWeight!);
    if (gradBias && res.gradBias) downloadInto(sim, res.gradBias, gradBias);
  } finally {
    for (const b of [gradOut, gs, res?.gradWeight, res?.gradBias, saved.probs, saved.scores, saved.weight]) if (b) sim.free(b);
  }
};

export function registerNpuMtaKernels(): () => void {
  const disposers = [
    registerKernel(MultiTokenAttentionOp, 'npu', npuMtaForwardKernel),
    registerKernel(MultiTokenAttentionBackwardOp, 'npu', npuMtaBackwardKernel),
  ];
  return () => disposers.forEach((d) => d());
}

/** Rebuilds what the backward reads from the forward's saved tensors (the probability map, scores, weight). */
function savedFrom(sim: NpuSimulator, attrs: MtaAttrs, probs: Tensor, scores: Tensor | null, weight: Tensor): NpuMtaSaved {
  const dtype = gmDtype(probs);
  const { geometry } = attrs;
  return {
    shape: geometry,
    config: geometry,
    // The forward's plan (same spec, shape, config, dtype and bias), not a second planning of the call.
    plan: cachedNpuMtaPlan(sim.spec, geometry, geometry, dtype, geometry.hasBias),
    probs: input(sim, 'probs', probs),
    scores: scores ? input(sim, 'scores', scores) : null,
    weight: input(sim, 'weight', weight),
    hasBias: geometry.hasBias,
  };
}
