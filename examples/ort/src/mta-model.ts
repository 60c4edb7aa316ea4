import { OnnxGraphBuilder } from '@mta/core';
import { lowerMta, mtaGeometry, type MtaConfig, type MtaShape } from '@mta/ops-mta';

export interface MtaModelSpec {
  readonly shape: MtaShape;
  readonly config: MtaConfig;
  /** (Cout, Cin/groups, kH, kW), stored as an initializer. */
  readonly weight: Float32Array;
  /** (Cout) or null. */
  readonly bias: Float32Array | null;
  /** Name the batch axis 'batch' instead of fixing it to shape.B. */
  readonly dynamicBatch?: boolean;
}

export const MTA_MODEL_INPUT = 'scores';
export const MTA_MODEL_OUTPUT = 'out';

/** A one-op model: scores (B, Cin, L, L) -> MTA -> out (B, Cout, L, L), weight and bias as initializers. */
export function buildMtaModel(spec: MtaModelSpec): Uint8Array {
  const { shape, config } = spec;
  const weightLength = shape.Cout * (shape.Cin / config.groups) * shape.kH * shape.kW;
  if (spec.weight.length !== weightLength) {
    throw new RangeError(
      `buildMtaModel: weight must have Cout*(Cin/groups)*kH*kW = ${weightLength} values, got ${spec.weight.length}.`,
    );
  }
  if (spec.bias && spec.bias.length !== shape.Cout) {
    throw new RangeError(`buildMtaModel: bias must have Cout = ${shape.Cout} values, got ${spec.bias.length}.`);
  }
  const g = new OnnxGraphBuilder({ graphName: 'mta', producerName: '@mta/examples' });
  const batch = spec.dynamicBatch ? 'batch' : shape.B;
  const scores = g.addInput(MTA_MODEL_INPUT, [batch, shape.Cin, shape.L, shape.L]);
  const weight = g.addInitializer('weight', {
    data: spec.weight,
    dims: [shape.Cout, shape.Cin / config.groups, shape.kH, shape.kW],
  });
  const bias = spec.bias ? g.addInitializer('bias', { data: spec.bias, dims: [shape.Cout] }) : null;
  const out = lowerMta(g, scores, weight, bias, mtaGeometry(shape, config, { hasBias: bias !== null, dtype: 'float32' }, 'buildMtaModel'));
  g.addOutput(out, [batch, shape.Cout, shape.L, shape.L], { name: MTA_MODEL_OUTPUT });
  return g.encode();
}
