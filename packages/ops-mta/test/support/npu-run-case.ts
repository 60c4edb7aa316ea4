/** Run one MTA case (forward + backward) on a fresh simulator and download everything as float64. */
import { type NpuDType, NpuSimulator, makeNpuSpec } from '@mta/device-npu';
import { type NpuMtaConfig, type NpuMtaShape, type NpuMtaPlanOptions, npuMtaBackward, npuMtaForward, planNpuMta } from '../../src/kernels/npu/index.js';

export interface CaseInputs {
  readonly shape: NpuMtaShape;
  readonly config: NpuMtaConfig;
  readonly scores: Float64Array;
  readonly weight: Float64Array;
  readonly bias: Float64Array | null;
  readonly gradOut: Float64Array;
}

export interface CaseRun {
  readonly out: Float64Array;
  readonly gradScores: Float64Array;
  readonly gradWeight: Float64Array;
  readonly gradBias: Float64Array | null;
  readonly sim: NpuSimulator;
  readonly kernels: string[];
}

export function runCase(c: CaseInputs, ub: number | string, dtype: NpuDType = 'float32', planOptions: Omit<NpuMtaPlanOptions, 'config' | 'bias' | 'planner'> = {}, weightDtype: NpuDType = dtype, vectorCores?: number): CaseRun {
  const spec = makeNpuSpec({ ub, env: {}, ...(vectorCores !== undefined ? { vectorCores } : {}) });
  const sim = new NpuSimulator(spec, { poison: true });
  const { B, Cin, Cout, L, kH, kW } = c.shape;
  const G = c.config.groups;
  const plan = planNpuMta(c.shape, dtype, spec, { ...planOptions, config: c.config, bias: c.bias !== null });
  const scores = sim.upload('scores', dtype, [B, Cin, L, L], c.scores);
  const weight = sim.upload('weight', weightDtype, [Cout, Cin / G, kH, kW], c.weight);
  const bias = c.bias ? sim.upload('bias', weightDtype, [Cout], c.bias) : null;
  const gradOut = sim.upload('grad_out', dtype, [B, Cout, L, L], c.gradOut);
  const { out, saved } = npuMtaForward(sim, scores, weight, bias, c.shape, c.config, { plan });
  const grads = npuMtaBackward(sim, gradOut, saved);
  const f64 = (x: Float32Array): Float64Array => Float64Array.from(x);
  return {
    out: f64(sim.download(out)),
    gradScores: f64(sim.download(grads.gradScores)),
    gradWeight: f64(sim.download(grads.gradWeight)),
    gradBias: grads.gradBias ? f64(sim.download(grads.gradBias)) : null,
    sim,
    kernels: sim.records.map((r) => r.kernel),
  };
}
