/**
 * The plan a forward computes, kept for its backward. The backward kernel receives only tensors and attrs,
 * so it looks the forward's plan up here instead of planning again. A plan is a pure function of (spec,
 * shape, config, dtype, bias), so the entry under that key is exactly the plan the forward ran with.
 */
import type { NpuDType, NpuSpec } from '@mta/device-npu';
import type { NpuMtaConfig, NpuMtaShape } from './geometry.js';
import type { NpuMtaPlan } from './plan-types.js';
import { planNpuMta } from './planner.js';

/** Keyed by the spec object: configuring the device makes a new spec, and the old plans go with the old spec. */
const plansBySpec = new WeakMap<NpuSpec, Map<string, NpuMtaPlan>>();
/** A bound on distinct calls remembered per spec (a long run over many shapes must not grow without end). */
const MAX_PLANS_PER_SPEC = 256;

function callKey(shape: NpuMtaShape, config: NpuMtaConfig, dtype: NpuDType, bias: boolean): string {
  const { B, Cin, Cout, L, kH, kW } = shape;
  const { mode, sparse, pads, dilation, groups } = config;
  return JSON.stringify([dtype, bias, B, Cin, Cout, L, kH, kW, mode, sparse, pads, dilation, groups]);
}

/** The default plan of this call on this spec: planned by the first caller (the forward), reused after. */
export function cachedNpuMtaPlan(spec: NpuSpec, shape: NpuMtaShape, config: NpuMtaConfig, dtype: NpuDType, bias: boolean): NpuMtaPlan {
  let plans = plansBySpec.get(spec);
  if (!plans) {
    plans = new Map();
    plansBySpec.set(spec, plans);
  }
  const key = callKey(shape, config, dtype, bias);
  let plan = plans.get(key);
  if (!plan) {
    if (plans.size >= MAX_PLANS_PER_SPEC) plans.delete(plans.keys().next().value!);
    plan = planNpuMta(shape, dtype, spec, { config, bias });
    plans.set(key, plan);
  }
  return plan;
}
