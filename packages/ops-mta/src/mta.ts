import { findKernel, runOp, type Tensor } from '@mta/core';
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
  if (!runsFused(impl, scores)) return mtaComposite(scores, weight, bias ?? null, geometry);
  const inputs = bias ? [scores, weight, bias] : [scores, weight];
  const [out, probs] = runOp(MultiTokenAttentionOp, inputs, { geometry });
  // probs lives on through the tape node (the backward reads it); callers only see out.
  void probs;
  return out!;
}

/** 'auto' asks the registry whether the device has the fused kernel; dispatch then finds it again to run it. */
function runsFused(impl: MtaImpl, scores: Tensor): boolean {
  if (impl === 'auto') return findKernel(MultiTokenAttentionOp, scores.device.name) !== undefined;
  return impl === 'fused';
}
