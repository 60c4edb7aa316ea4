import { findKernel, runOp, type Tensor } from '@mta/core';
import { mtaComposite } from './composite.js';
import { MultiTokenAttentionOp } from './ops.js';
import { validateMta, type MtaOptions } from './options.js';

/**
 * Multi-token attention over a score map: scores (B, Cin, L, L), weight (Cout, Cin/groups, kH, kW),
 * bias (Cout). See MtaOptions for the two modes and the padding forms. Runs the device's fused kernel
 * when it has one (or when asked), else the composite of core primitives.
 */
export function multiTokenAttention(scores: Tensor, weight: Tensor, bias?: Tensor | null, options: MtaOptions = {}): Tensor {
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t && t.device !== scores.device) {
      throw new Error(`multiTokenAttention: ${name} ${t.describe()} is on device '${t.device.name}' but scores ${scores.describe()} ` +
        `are on '${scores.device.name}'; move it with .to('${scores.device.name}')`);
    }
  }
  const { shape, config } = validateMta(scores, weight, bias, options);
  const impl = options.impl ?? 'auto';
  const fused = impl === 'fused' || (impl === 'auto' && findKernel(MultiTokenAttentionOp, scores.device.name) !== undefined);
  if (!fused) return mtaComposite(scores, weight, bias ?? null, config);
  const inputs = bias ? [scores, weight, bias] : [scores, weight];
  const [out, probs] = runOp(MultiTokenAttentionOp, inputs, { shape, config, hasBias: !!bias });
  // probs lives on through the tape node (the backward reads it); callers only see out.
  void probs;
  return out!;
}
