import { exportOnnx, noGrad, tensor, tidy } from '@mta/core';
import { multiTokenAttention, type MtaOptions } from '@mta/ops-mta';
import type { MtaProblem } from './problem';

export function mtaOptionsOf(p: MtaProblem, impl: MtaOptions['impl'] = 'auto'): MtaOptions {
  return { mode: p.config.mode, sparse: p.config.sparse, padding: p.config.pads, dilation: p.config.dilation, groups: p.config.groups, impl };
}

/**
 * Exports the op through the tracing exporter (so the exporter itself is under test) as a model with
 * input 'scores' and output 'out'; the ORT backends of the check and of the bench run it.
 */
export function exportMtaProblem(p: MtaProblem): Uint8Array {
  const s = p.shape;
  return tidy(() => {
    const weight = tensor(p.weight, [s.Cout, s.Cin / p.config.groups, s.kH, s.kW]);
    const bias = p.bias ? tensor(p.bias, [s.Cout]) : null;
    const example = tensor(p.scores, [s.B, s.Cin, s.L, s.L]);
    const model = noGrad(() => exportOnnx((x) => multiTokenAttention(x, weight, bias, mtaOptionsOf(p)), [example], {
      inputNames: ['scores'], outputNames: ['out'], parameters: bias ? [['weight', weight], ['bias', bias]] : [['weight', weight]],
    }));
    return model.bytes;
  });
}
