import type { MtaConfig, MtaShape } from '../../src/config';
import { mtaGeometry, type MtaGeometry } from '../../src/geometry';
import { dtypeOf } from '../../src/kernels/cpu/arrays';
import type { MtaArray } from '../../src/kernels/cpu';

/** The geometry of a raw-kernel call: sizes and settings as the test states them, bias and dtype read off the arrays. */
export function geometryFor(shape: MtaShape, config: MtaConfig, scores: MtaArray, bias: MtaArray | null): MtaGeometry {
  return mtaGeometry(shape, config, { hasBias: bias !== null, dtype: dtypeOf(scores) });
}
