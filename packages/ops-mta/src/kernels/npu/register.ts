import { MtaArgumentError } from '../../errors.js';
import { registerKernel, readElement, writeElement, type KernelDef, type Tensor, hostData } from '@mta/core';
import { npuSimulator, type GmBuffer, type NpuDType, type NpuSimulator } from '@mta/device-npu';
import { MultiTokenAttentionBackwardOp, MultiTokenAttentionOp, type MtaAttrs } from '../../ops.js';
import { type NpuMtaSaved, npuMtaBackward, npuMtaForward, npuMtaFreeSaved } from './forward-backward.js';
import { cachedNpuMtaPlan } from './plan-cache.js';

/**
 * MTA on the npu device: tensors are staged into the simulator's GM at the kernel boundary, the UB-planned
 * kernels run, results come back into the output tensors. GM traffic inside the kernels is what explain()
 * counts; the staging stands for data that would already live in device memory.
 */
function gmDtype(t: Tensor): NpuDType {
  if (t.dtype === 'float32' || t.dtype === 'float16' || t.dtype === 'bfloat16') return t.dtype;
  throw new MtaArgumentError('npu MultiTokenAttention', t.describe(), 'float32, float16 or bfloat16 (compute is float32 in the Unified Buffer)',
    t.dtype, "cast with .cast('float32')");
}

function asNumbers(t: Tensor): ArrayLike<number> {
  const data = hostData(t);
  if (t.dtype === 'float32') return data.subarray(t.offset, t.offset + t.size) as Float32Array;
  const out = new Float32Array(t.size);
  for (let i = 0; i < t.size; i++) out[i] = readElement(t.dtype, data, t.offset + i);
  return out;
}

function upload(sim: NpuSimulator, name: string, t: Tensor): GmBuffer {
  return sim.upload(name, gmDtype(t), t.shape, asNumbers(t));
}

function downloadInto(sim: NpuSimulator, gm: GmBuffer, t: Tensor): void {
  const data = hostData(t);
  if (t.dtype === 'float32') {
    // Straight into the tensor's storage: no intermediate host copy of a map that may be L x L per channel.
    sim.downloadInto(gm, data as Float32Array, t.offset);
    return;
  }
  const values = sim.download(gm);
  for (let i = 0; i < values.length; i++) writeElement(t.dtype, data, t.offset + i, values[i]!);
}

// Kernel functions are module constants, so that registering twice is recognised as the same registration.
const npuMtaForwardKernel: KernelDef<MtaAttrs>['run'] = ({ inputs: [scores, weight, bias], outputs: [out, probs], attrs }) => {
  const sim = npuSimulator();
  const gm = [upload(sim, 'scores', scores!), upload(sim, 'weight', weight!), ...(bias ? [upload(sim, 'bias', bias)] : [])];
  // The geometry is a superset of the npu kernels' shape and config, so it passes as both.
  const { geometry } = attrs;
  const plan = cachedNpuMtaPlan(sim.spec, geometry, geometry, gm[0]!.dtype, gm[2] !== undefined);
  const res = npuMtaForward(sim, gm[0]!, gm[1]!, gm[2] ?? null, geometry, geometry, { plan });
  downloadInto(sim, res.out, out!);
  if (probs) downloadInto(sim, res.saved.probs, probs);
  npuMtaFreeSaved(sim, res.saved); // post: P; pre: nothing (its map is res.out)
  for (const b of [...gm, res.out]) sim.free(b);
};

const npuMtaBackwardKernel: KernelDef<MtaAttrs>['run'] = ({ inputs, outputs: [gradScores, gradWeight, gradBias], attrs }) => {
  const sim = npuSimulator();
  const post = attrs.geometry.mode === 'post';
  const [g, probsOrOut, scoresOrWeight, preWeight] = inputs;
  const weightT = post ? scoresOrWeight! : preWeight!;
  const gradOut = upload(sim, 'gradOut', g!);
  const saved = savedFrom(sim, attrs, probsOrOut!, post ? null : scoresOrWeight!, weightT);
  const res = npuMtaBackward(sim, gradOut, saved);
  downloadInto(sim, res.gradScores, gradScores!);
  downloadInto(sim, res.gradWeight, gradWeight!);
  if (gradBias && res.gradBias) downloadInto(sim, res.gradBias, gradBias);
  for (const b of [gradOut, res.gradScores, res.gradWeight, res.gradBias, saved.probs, saved.scores, saved.weight]) if (b) sim.free(b);
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
    probs: upload(sim, 'probs', probs),
    scores: scores ? upload(sim, 'scores', scores) : null,
    weight: upload(sim, 'weight', weight),
    hasBias: geometry.hasBias,
  };
}
