import type { MtaConfig, MtaShape } from '../config.js';
import { mtaGeometry, type MtaGeometry } from '../geometry.js';
import type { GoldenCase } from './manifest.js';

/** The shared kernel types for one golden case. */
export function toMtaConfig(goldenCase: GoldenCase): { shape: MtaShape; config: MtaConfig } {
  const [kH, kW] = goldenCase.kernel;
  return {
    shape: { B: goldenCase.B, Cin: goldenCase.Cin, Cout: goldenCase.Cout, L: goldenCase.L, kH, kW },
    config: {
      mode: goldenCase.mode,
      sparse: goldenCase.sparse,
      pads: goldenCase.pads,
      dilation: goldenCase.dilation,
      groups: goldenCase.groups,
    },
  };
}

/** The validated geometry of one golden case, for its stored scores' dtype. */
export function toMtaGeometry(goldenCase: GoldenCase): MtaGeometry {
  const { shape, config } = toMtaConfig(goldenCase);
  return mtaGeometry(shape, config, { hasBias: goldenCase.bias, dtype: goldenCase.tensors.scores.dtype }, `golden case '${goldenCase.name}'`);
}
