import { tensor } from '@mta/core';
import type { MtaOptions } from '@mta/ops-mta';
import { runMta, type MtaOperands, type MtaRun } from './op-harness';

/** Values rounded to float16 once (core's codec), back as float64. */
export async function roundedToFloat16(v: Float64Array): Promise<Float64Array> {
  const t = tensor(v, [v.length], { dtype: 'float16' });
  try {
    return Float64Array.from(await t.numbers());
  } finally {
    t.dispose();
  }
}

/**
 * The cpu fused kernel in float64 on the operands rounded to float16, as a float16 call sees them: what a
 * float16-storage computation would give with exact arithmetic in between (the fuzz's reference too).
 */
export async function float64OnHalfOperands(ops: MtaOperands, options: MtaOptions): Promise<MtaRun> {
  const rounded: MtaOperands = {
    ...ops, scores: await roundedToFloat16(ops.scores), weight: await roundedToFloat16(ops.weight),
    bias: ops.bias ? await roundedToFloat16(ops.bias) : null, gradOut: await roundedToFloat16(ops.gradOut),
  };
  return runMta(rounded, { ...options, impl: 'fused' }, { device: 'cpu', dtype: 'float64' });
}
