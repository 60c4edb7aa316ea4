import type { MtaConfig, MtaShape } from '../config.js';
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
