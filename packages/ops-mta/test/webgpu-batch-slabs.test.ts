import { afterAll, describe, expect, it } from 'vitest';
import { releaseWebgpu, webgpuContext, webgpuMemory } from '@mta/device-webgpu';
import { webgpuForTests } from '@mta/device-webgpu/testing';
import { mtaGeometry, type MtaOptions, registerMta } from '@mta/ops-mta';
import { registerMtaWebgpu } from '@mta/ops-mta/webgpu';
import { planBatchSlabs } from '../src/kernels/webgpu/batch-slabs.js';
import { float64OnHalfOperands } from './support/half-reference';
import { runMtaKernelsOnWebgpu, runMtaOnWebgpu } from './support/webgpu-run';
import { exactlyZeroGrads, randomOperands, runErrors, runMta, type MtaOperands, type MtaRun } from './support/op-harness';

/**
 * Maps larger than one storage binding run in slabs of batches (B = 2, C = 4, L = 8192 is 2 GiB; SwiftShader
 * binds at most 1 GiB). This file's device (its own worker) plans for 16 KiB bindings, so small maps take
 * the split path, checked against the cpu kernel.
 */
process.env['MTA_WEBGPU_MAX_BINDING_BYTES'] = String(16 * 1024);
registerMta(); // cpu, the reference
registerMtaWebgpu();
const gpu = await webgpuForTests();
afterAll(() => releaseWebgpu());
const title = gpu.ready ? `webgpu MTA split into slabs of batches (${gpu.adapter})` : `webgpu MTA split into slabs of batches (skipped: ${gpu.reason})`;


describe('planBatchSlabs', () => {
  const geometry = (B: number) => mtaGeometry({ B, Cin: 4, Cout: 4, L: 8192, kH: 3, kW: 3 },
    { mode: 'post', sparse: false, pads: [2, 0, 1, 1], dilation: [1, 1], groups: 1 }, { hasBias: true, dtype: 'float32' });

  it('keeps one slab when the maps fit, else the largest divisor of B that fits', () => {
    expect(planBatchSlabs(geometry(2), 2 ** 32).count).toBe(1);
    const oneGiB = planBatchSlabs(geometry(2), 2 ** 30);
    expect([oneGiB.batches, oneGiB.count, oneGiB.geometry.B]).toEqual([1, 2, 1]);
    expect(planBatchSlabs(geometry(6), 2 ** 31).batches).toBe(2);
  });

  it('refuses, with the sizes, when one batch alone is larger than a binding', () => {
    expect(() => planBatchSlabs(geometry(1), 2 ** 29)).toThrow(/one batch of the \(B, C, L, L\) maps is 1073741824 bytes, more than this adapter's largest storage binding \(536870912 bytes\)/);
  });
});

describe.skipIf(!gpu.ready)(title, () => {
  const cases: { name: string; sizes: Parameters<typeof randomOperands>[1]; options: MtaOptions; slabs: number }[] = [
    { name: 'post softmax, B=3 in 3 slabs', sizes: { B: 3, Cin: 2, Cout: 2, L: 32, kH: 3, kW: 3 }, options: { mode: 'post', padding: 'causal' }, slabs: 3 },
    { name: 'pre sparsemax, B=4 in 2 slabs, groups 2', sizes: { B: 4, Cin: 2, Cout: 2, L: 32, kH: 2, kW: 3, groups: 2 }, options: { mode: 'pre', sparse: true, padding: 'causal', groups: 2 }, slabs: 2 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      expect(webgpuContext().limits.maxStorageBindingBytes).toBe(16 * 1024);
      const ops = randomOperands(5, c.sizes);
      const g = mtaGeometry(c.sizes, { mode: c.options.mode!, sparse: c.options.sparse ?? false, pads: [c.sizes.kH - 1, 0, c.sizes.kW - 1, 0], dilation: [1, 1], groups: c.sizes.groups ?? 1 }, { hasBias: true, dtype: 'float32' });
      expect(planBatchSlabs(g, 16 * 1024).count).toBe(c.slabs);
      const want = runMta(ops, { ...c.options, impl: 'fused' }, { device: 'cpu', dtype: 'float32' });
      const got = await runMtaOnWebgpu(ops, c.options);
      for (const [name, err] of Object.entries(runErrors(got, want, ops.gradOut, exactlyZeroGrads(c.options.mode!, c.sizes.L, true)))) expect(err, `${c.name}: ${name}`).toBeLessThanOrEqual(1e-5);
      expect(webgpuMemory.counters().liveBytes).toBe(0);
    }, 180_000);
  }

  // float16: the packed maps are split at the same batches (half the bytes, still whole 256-byte parts), the
  // f32 scratch maps (pre-mode C, post-mode dP) are one slab's; against float64 on the same float16 operands.
  const halfCases: { name: string; sizes: Parameters<typeof randomOperands>[1]; options: MtaOptions; kernels: 'public' | 'op'; slabs: number }[] = [
    { name: 'float16 post softmax, B=3 in 3 slabs', sizes: { B: 3, Cin: 2, Cout: 2, L: 32, kH: 3, kW: 3 }, options: { mode: 'post', padding: 'causal' }, kernels: 'public', slabs: 3 },
    { name: 'float16 pre softmax, B=4 in 2 slabs, groups 2', sizes: { B: 4, Cin: 2, Cout: 2, L: 32, kH: 2, kW: 3, groups: 2 }, options: { mode: 'pre', padding: 'causal', groups: 2 }, kernels: 'public', slabs: 2 },
    { name: 'float16 post sparsemax, B=3 in 3 slabs (through the op)', sizes: { B: 3, Cin: 2, Cout: 2, L: 32, kH: 3, kW: 3 }, options: { mode: 'post', sparse: true, padding: 'causal' }, kernels: 'op', slabs: 3 },
  ];
  for (const c of halfCases) {
    it(c.name, async () => {
      const g = mtaGeometry(c.sizes, { mode: c.options.mode!, sparse: false, pads: [c.sizes.kH - 1, 0, c.sizes.kW - 1, 0], dilation: [1, 1], groups: c.sizes.groups ?? 1 }, { hasBias: true, dtype: 'float16' });
      expect(planBatchSlabs(g, 16 * 1024).count).toBe(c.slabs);
      const ops = randomOperands(9, c.sizes);
      const want = await float64OnHalfOperands(ops, c.options);
      const got = c.kernels === 'op' ? await runMtaKernelsOnWebgpu(ops, c.options, 'float16') : await runMtaOnWebgpu(ops, c.options, undefined, 'float16');
      const errors = runErrors(got, want, ops.gradOut, exactlyZeroGrads(c.options.mode!, c.sizes.L, true));
      for (const [name, err] of Object.entries(errors)) expect(err, `${c.name}: ${name}`).toBeLessThanOrEqual(name === 'out' ? 5e-3 : 2e-2);
      expect(webgpuMemory.counters().liveBytes).toBe(0);
    }, 180_000);
  }
});
