/** The npu backward runs with the plan its forward computed (plan-cache.ts), not a second planning of the call. */
import { describe, expect, it } from 'vitest';
import { makeNpuSpec } from '@mta/device-npu';
import { cachedNpuMtaPlan, defaultNpuMtaConfig, planNpuMta, type NpuMtaShape } from '../src/kernels/npu/index.js';

const shape: NpuMtaShape = { B: 1, Cin: 2, Cout: 2, L: 48, kH: 3, kW: 3 };
const config = defaultNpuMtaConfig(shape);

describe('cachedNpuMtaPlan', () => {
  it('gives the backward the very plan object the forward planned, equal to planning afresh', () => {
    const spec = makeNpuSpec({ ub: '16KiB', env: {} });
    const forward = cachedNpuMtaPlan(spec, shape, config, 'float32', true);
    const backward = cachedNpuMtaPlan(spec, { ...shape }, { ...config, pads: [...config.pads] as typeof config.pads }, 'float32', true);
    expect(backward).toBe(forward);
    expect(forward).toEqual(planNpuMta(shape, 'float32', spec, { config, bias: true }));
  });

  it('plans again when anything the plan depends on differs: spec, dtype, bias, shape, config', () => {
    const spec = makeNpuSpec({ ub: '16KiB', env: {} });
    const base = cachedNpuMtaPlan(spec, shape, config, 'float32', true);
    expect(cachedNpuMtaPlan(makeNpuSpec({ ub: '16KiB', env: {} }), shape, config, 'float32', true)).not.toBe(base);
    expect(cachedNpuMtaPlan(spec, shape, config, 'float16', true).dtype).toBe('float16');
    expect(cachedNpuMtaPlan(spec, shape, config, 'float32', false).bias).toBe(false);
    expect(cachedNpuMtaPlan(spec, { ...shape, L: 49 }, config, 'float32', true).shape.L).toBe(49);
    expect(cachedNpuMtaPlan(spec, shape, { ...config, sparse: true }, 'float32', true).config.sparse).toBe(true);
  });
});
