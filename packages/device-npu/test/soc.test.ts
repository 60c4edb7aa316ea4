/**
 * SoC presets: the numbers against the sources they cite (CANN platform_config ini files as quoted in
 * docs/npu.md, Liger-Kernel's ub_manager), how a preset is chosen (option, ASCEND_SOC, default 910B4) and
 * the named error for a name that is not a preset.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@mta/core';
import {
  DEFAULT_SOC, SOC_NAMES, SOC_PRESETS, UnknownSocError, configureNpuDevice, makeNpuSpec, npuSimulator, parseSocName, socFromEnv,
} from '../src/index';

describe('SoC presets', () => {
  // Written out from the sources, not from soc.ts: [vector cores, cube cores, UB bytes].
  const cited: Record<string, [number, number, number]> = {
    '910B2': [48, 24, 196_608], // Ascend910B2.ini: vector_core_cnt=48, cube_core_cnt=24
    '910B3': [40, 20, 196_608], // 40 vector cores as num_vectorcore reports (issue 14)
    '910B4': [40, 20, 1_572_864 / 8], // Ascend910B4.ini: 40 / 20; Liger-Kernel: 1572864 bits
  };
  it.each(Object.entries(cited))('%s has the cited core counts and UB', (name, [aiv, aic, ub]) => {
    const p = SOC_PRESETS[parseSocName(name)];
    expect([p.vectorCores.value, p.cubeCores.value, p.ubBytes.value]).toEqual([aiv, aic, ub]);
    expect(p.vectorCores.estimate).toBe(false);
  });

  it('gives every value a source, and says which ones are estimates', () => {
    for (const name of SOC_NAMES) {
      const p = SOC_PRESETS[name];
      for (const v of [p.ubBytes, p.vectorCores, p.cubeCores, p.clockHz, p.gmBytesPerSecond]) {
        expect(v.source.length).toBeGreaterThan(10);
        expect(v.value).toBeGreaterThan(0);
      }
      // No vendor figure for clock or HBM bandwidth was found for any part: they must be marked.
      expect(p.clockHz.estimate && p.gmBytesPerSecond.estimate).toBe(true);
      // A2 pairs one cube core with two vector cores.
      expect(p.vectorCores.value).toBe(2 * p.cubeCores.value);
    }
  });

  it('accepts any case and an Ascend prefix; anything else is an UnknownSocError naming the argument', () => {
    expect(parseSocName('ascend910b2')).toBe('910B2');
    expect(parseSocName(' 910B4 ')).toBe('910B4');
    const err = (() => { try { parseSocName('910C', '--soc'); } catch (e) { return e; } return null; })();
    expect(err).toBeInstanceOf(UnknownSocError);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    const e = err as UnknownSocError;
    expect(e.name).toBe('UnknownSocError');
    expect(e.argument).toBe('--soc');
    expect(e.actual).toBe('"910C"');
    expect(e.message).toMatch(/910B1, 910B2, 910B3, 910B4/);
    expect(e.hint).toMatch(/--soc list/);
  });

  it('is chosen by the option, else ASCEND_SOC, else 910B4; single fields and the UB variable still win', () => {
    expect(DEFAULT_SOC).toBe('910B4');
    expect(makeNpuSpec({ env: {} }).soc).toBe('910B4');
    expect(makeNpuSpec({ env: { ASCEND_SOC: '910B2' } }).vectorCores).toBe(48);
    expect(makeNpuSpec({ soc: '910B3', env: { ASCEND_SOC: '910B2' } }).vectorCores).toBe(40);
    expect(makeNpuSpec({ soc: '910B2', vectorCores: 7, env: {} }).vectorCores).toBe(7);
    expect(makeNpuSpec({ soc: '910B2', env: { ASCEND_UB_CAPACITY_BITS: '131072' } }).ubBytes).toBe(16_384);
    expect(makeNpuSpec({ soc: '910B2', ub: '16KiB', env: {} })).toMatchObject({ soc: '910B2', ubBytes: 16_384, cubeCores: 24, gmBytesPerSecond: 1.6e12 });
    expect(socFromEnv({ ASCEND_SOC: '' })).toBeUndefined();
    expect(() => makeNpuSpec({ env: { ASCEND_SOC: 'tpu' } })).toThrow(/environment variable ASCEND_SOC: expected one of 910B1/);
    expect(() => makeNpuSpec({ soc: 'tpu', env: {} })).toThrow(UnknownSocError);
  });

  it('configures the npu device: its simulator runs on the preset\'s cores', () => {
    try {
      configureNpuDevice({ soc: '910B2', env: {} });
      expect(npuSimulator().spec.vectorCores).toBe(48);
      configureNpuDevice({ soc: 'Ascend910B4', env: {} });
      expect(npuSimulator().spec.vectorCores).toBe(40);
    } finally {
      configureNpuDevice({ env: {} });
    }
  });
});
