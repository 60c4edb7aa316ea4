import type { MtaConfig, MtaShape } from '../../config.js';
import { mtaGeometry, type MtaGeometry } from '../../geometry.js';

/**
 * The npu kernels take ops-mta's one validated `MtaGeometry`. Called through the op they receive it ready
 * (and validate nothing again); called directly (tests, tools, the plan CLI) with a plain shape and config,
 * they build it here, through the same validation.
 */
export type NpuMtaShape = MtaShape;
export type NpuMtaConfig = MtaConfig;

/** A geometry object passes through; a plain shape and config are validated into one. */
export function npuCallGeometry(shape: MtaShape, config: MtaConfig, hasBias = true): MtaGeometry {
  if (isGeometry(shape)) return shape;
  // The UB computes in float32 whatever the GM holds (the GM dtype is the buffers' own), so that is the
  // geometry's dtype here; `hasBias` only matters to the planner's bias buffers.
  return mtaGeometry(shape, config, { hasBias, dtype: 'float32' }, 'npu MTA kernels');
}

function isGeometry(x: MtaShape): x is MtaGeometry {
  return Object.isFrozen(x) && 'wElems' in x && 'mask' in x;
}

/** Liger-Kernel's defaults for a kernel size: post-softmax, symmetric padding K // 2, no dilation, one group. */
export function defaultNpuMtaConfig(shape: Pick<NpuMtaShape, 'kH' | 'kW'>, overrides: Partial<NpuMtaConfig> = {}): NpuMtaConfig {
  const pv = (shape.kH - 1) >> 1;
  const ph = (shape.kW - 1) >> 1;
  return {
    mode: 'post',
    sparse: false,
    pads: [pv, shape.kH - 1 - pv, ph, shape.kW - 1 - ph],
    dilation: [1, 1],
    groups: 1,
    ...overrides,
  };
}
