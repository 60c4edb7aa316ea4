/**
 * docs/npu.md's verdict tables of the Liger presets are the output of tools/npu/preset-verdicts.ts (regenerate
 * with --write), and the verdicts the text summarises hold.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeNpuSpec } from '@mta/device-npu';
import { PRESET_VERDICT_MARKERS, presetVerdictTables, verdict } from '../tools/npu/preset-verdicts';
import { planNpuMta } from '../src/kernels/npu/index.js';

describe('docs/npu.md preset verdicts', () => {
  it('is the output of tools/npu/preset-verdicts.ts (regenerate with --write)', () => {
    const doc = readFileSync(new URL('../../../docs/npu.md', import.meta.url), 'utf8');
    const a = doc.indexOf(PRESET_VERDICT_MARKERS.BEGIN);
    const b = doc.indexOf(PRESET_VERDICT_MARKERS.END);
    expect(a).toBeGreaterThan(0);
    expect(doc.slice(a + PRESET_VERDICT_MARKERS.BEGIN.length, b).trim()).toBe(presetVerdictTables().trim());
  }, 60_000);

  it('names the failure of each preset at the boundaries the summary gives', () => {
    const at = (planner: 'liger-pr1122' | 'liger-ascend', ub: string, L: number, dtype: 'float16' | 'float32' = 'float32') =>
      verdict(planNpuMta({ B: 2, Cin: 4, Cout: 4, L, kH: 3, kW: 3 }, dtype, makeNpuSpec({ ub, env: {} }), { planner }));
    expect(at('liger-pr1122', '192KiB', 8192)).toBe('OVERFLOW fused-mask-softmax-bwd');
    expect(at('liger-pr1122', '192KiB', 8193, 'float16')).toMatch(/^UNWRITTEN 65,536 of P/);
    expect(at('liger-pr1122', '16KiB', 2049, 'float16')).toMatch(/UNWRITTEN 16,384 of P/);
    expect(at('liger-ascend', '192KiB', 65_536, 'float16')).toBe('fits, covers');
    expect(at('liger-ascend', '192KiB', 4096)).toBe('fits, covers');
    expect(at('liger-ascend', '192KiB', 4097)).toBe('OVERFLOW fused-mask-softmax-bwd');
    expect(at('liger-ascend', '16KiB', 512)).toBe('fits, covers');
    expect(at('liger-ascend', '16KiB', 513)).toMatch(/^OVERFLOW fused-mask-softmax-fwd/);
  });
});
