import { findKernel, isGradEnabled, runOp, type Tensor } from '@mta/core';
import { mtaGeometryOf } from './call-geometry.js';
import { mtaComposite } from './composite.js';
import { requireOptionFieldsNotNull, requireOptionalTensor, requireOptions, requireTensor } from './check-args.js';
import { MtaArgumentError } from './errors.js';
import { MultiTokenAttentionOp } from './ops.js';
import { MTA_IMPLS, type MtaImpl, type MtaOptions } from './options.js';

const WHERE = 'multiTokenAttention';

/**
 * Multi-token attention over a score map: scores (B, Cin, L, L), weight (Cout, Cin/groups, kH, kW),
 * bias (Cout). See MtaOptions for the two modes and the padding forms. Runs the device's fused kernel
 * when it has one (or when asked), else the composite of core primitives.
 *
 * The call is validated here, once, into an MtaGeometry; both paths take that geometry and trust it (the
 * fused op's shape inference and kernels read it from the attrs, the composite reads its settings).
 */
export function multiTokenAttention(scores: Tensor, weight: Tensor, bias?: Tensor | null, options: MtaOptions = {}): Tensor {
  requireTensor(WHERE, 'scores', scores, '(B, Cin, L, L)');
  requireTensor(WHERE, 'weight', weight, '(Cout, Cin/groups, kH, kW)');
  requireOptionalTensor(WHERE, 'bias', bias, '(Cout)');
  requireOptions(WHERE, 'options', options);
  requireOptionFieldsNotNull(WHERE, options);
  const impl = options.impl ?? 'auto';
  if (!MTA_IMPLS.includes(impl)) {
    // A typo here used to run the composite silently; say so instead.
    throw new MtaArgumentError('multiTokenAttention', 'options.impl', MTA_IMPLS.map((name) => `'${name}'`).join(', '), JSON.stringify(impl),
      "leave it out for 'auto' (the fused kernel where the device has one)");
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t && t.device !== scores.device) {
      throw new MtaArgumentError('multiTokenAttention', name, `a tensor on scores' device '${scores.device.name}' (scores ${scores.describe()})`,
        `${t.describe()} on device '${t.device.name}'`, `move it with .to('${scores.device.name}')`);
    }
  }
  const geometry = mtaGeometryOf(scores, weight, bias ?? null, options);
  const fused = runsFused(impl, scores);
  requirePathDType(fused, scores);
  if (!fused) return mtaComposite(scores, weight, bias ?? null, geometry);
  const inputs = bias ? [scores, weight, bias] : [scores, weight];
  // The tape records the call exactly when grad mode is on and an input needs a gradient (core's
  // recordCall); otherwise no backward will read P, and a device that can skip it does not save it. A
  // device whose backward recomputes P from the scores (which the tape keeps as an input anyway) never saves it.
  const recorded = isGradEnabled() && inputs.some((t) => t.requiresGrad);
  const device = scores.device.name;
  const savesMap = recorded ? !RECOMPUTES_MAP.has(device) : !SKIPS_UNUSED_MAP.has(device);
  const [out, probs] = runOp(MultiTokenAttentionOp, inputs, { geometry, savesMap });
  // probs (when saved) lives on through the tape node (the backward reads it); callers only see out.
  void probs;
  return out!;
}

/** Devices whose fused forward runs without the saved map (MtaAttrs.savesMap false). */
const SKIPS_UNUSED_MAP: ReadonlySet<string> = new Set(['cpu']);
/**
 * Devices whose fused backward recomputes P from the scores, so a recorded post-mode call saves no map either
 * (MtaAttrs.savesMap false): the training step holds out and dScores, not P as well (cpu: a (B, Cin, L, L)
 * map less at the peak, for the softmax computed a second time).
 */
const RECOMPUTES_MAP: ReadonlySet<string> = new Set(['cpu']);

/** 'auto' asks the registry whether the device has the fused kernel; dispatch then finds it again to run it. */
function runsFused(impl: MtaImpl, scores: Tensor): boolean {
  if (impl === 'auto') return findKernel(MultiTokenAttentionOp, scores.device.name) !== undefined;
  return impl === 'fused';
}

/**
 * The element types each path computes on: the composite runs core primitives (float32 and float64); the
 * fused kernels of this package take what their device stores. Checked here, before any kernel, so a call
 * in the wrong dtype is one named error and not a kernel's plain Error halfway through. Devices whose fused
 * kernels live in another package are not listed and are left to those kernels.
 */
const FUSED_DTYPES: Readonly<Record<string, readonly string[]>> = {
  cpu: ['float32', 'float64'],
  npu: ['float32', 'float16', 'bfloat16'],
};
const COMPOSITE_DTYPES: readonly string[] = ['float32', 'float64'];

function requirePathDType(fused: boolean, scores: Tensor): void {
  const device = scores.device.name;
  const allowed = fused ? FUSED_DTYPES[device] : COMPOSITE_DTYPES;
  if (allowed === undefined || allowed.includes(scores.dtype)) return;
  const path = fused ? `the fused kernel on '${device}'` : 'the composite path (core primitives)';
  throw new MtaArgumentError(WHERE, 'scores', `a dtype ${path} computes on: ${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}`, `${scores.describe()}`,
    fused ? `cast with .cast('${allowed[0]}')` + (device === 'cpu' ? ' (half precision storage is an npu feature)' : '')
      : `cast with .cast('float32'), or use impl 'fused' on a device whose kernel takes ${scores.dtype}`);
}
