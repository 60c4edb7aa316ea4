import '@mta/ops-mta/register';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setFallback } from '@mta/core';
import { configureNpuDevice, npuSimulator } from '@mta/device-npu';
import { defaultGoldenManifestPath, loadGoldenManifest, type GoldenCase, type MtaOptions } from '@mta/ops-mta';
import { allFiniteValues, exactlyZeroGrads, runErrors, runMta, type DeviceName, type MtaOperands, type MtaRun } from './support/op-harness';

/**
 * The 19 public golden cases through the public op (multiTokenAttention + autograd), in float32, on every
 * path: cpu fused kernel, cpu composite of core primitives, npu fused kernel with the default UB and with a
 * 16 KiB UB (which forces the planner to split rows into many blocks). README tolerance relFro <= 1e-5 and
 * all finite, with the conformance report's noise floor for gradients that are zero in exact arithmetic.
 */
const TOLERANCE = 1e-5;
const suite = loadGoldenManifest(defaultGoldenManifestPath());

beforeAll(() => setFallback({ strict: true }));

function operands(c: GoldenCase): MtaOperands {
  const t = c.tensors;
  const f64 = (a: ArrayLike<number>) => Float64Array.from(a);
  const [kH, kW] = c.kernel;
  return {
    B: c.B, Cin: c.Cin, Cout: c.Cout, L: c.L, kH, kW, groups: c.groups,
    scores: f64(t.scores.data), weight: f64(t.weight.data), bias: t.bias ? f64(t.bias.data) : null, gradOut: f64(t.grad_out.data),
  };
}

function expected(c: GoldenCase): MtaRun {
  const t = c.tensors;
  const f64 = (a: ArrayLike<number>) => Float64Array.from(a);
  return { out: f64(t.out.data), gradScores: f64(t.grad_scores.data), gradWeight: f64(t.grad_weight.data), gradBias: t.grad_bias ? f64(t.grad_bias.data) : null };
}

/** Golden pads are explicit [top, bottom, left, right]: the 4-tuple padding form passes them as they are. */
const optionsOf = (c: GoldenCase, impl: MtaOptions['impl']): MtaOptions => ({
  mode: c.mode, sparse: c.sparse, padding: c.pads, dilation: c.dilation, groups: c.groups, impl,
});

function checkCase(c: GoldenCase, device: DeviceName, impl: MtaOptions['impl']): void {
  const ops = operands(c);
  // The inputs are float32 in the file: running in float32 reproduces them exactly.
  const got = runMta(ops, optionsOf(c, impl), { device, dtype: 'float32' });
  for (const [name, values] of Object.entries(got)) {
    if (values) expect(allFiniteValues(values), `${c.name}: ${name} all finite`).toBe(true);
  }
  const errors = runErrors(got, expected(c), ops.gradOut, exactlyZeroGrads(c.mode, c.L, c.bias));
  expect(Object.keys(errors).sort()).toEqual(c.bias ? ['gradBias', 'gradScores', 'gradWeight', 'out'] : ['gradScores', 'gradWeight', 'out']);
  for (const [name, err] of Object.entries(errors)) expect(err, `${c.name}: ${name} relFro`).toBeLessThanOrEqual(TOLERANCE);
}

const label = (c: GoldenCase) => `${c.name} (${c.mode}${c.sparse ? '/sparsemax' : ''}, L=${c.L}, k=${c.kernel.join('x')}, pads ${c.pads.join(',')}, groups ${c.groups})`;

describe('golden cases through multiTokenAttention, float32', () => {
  it('the public manifest holds the 19 cases, NaN-above-diagonal ones included', () => {
    expect(suite.cases).toHaveLength(19);
    expect(suite.cases.filter((c) => c.nanAbove).length).toBeGreaterThan(0);
    expect(suite.cases.some((c) => c.mode === 'pre') && suite.cases.some((c) => c.sparse)).toBe(true);
  });

  describe('cpu, fused kernel', () => {
    for (const c of suite.cases) it(label(c), () => checkCase(c, 'cpu', 'fused'));
  });

  describe('cpu, composite reference path', () => {
    for (const c of suite.cases) it(label(c), () => checkCase(c, 'cpu', 'composite'));
  });

  describe('npu, fused kernel, default UB', () => {
    for (const c of suite.cases) it(label(c), () => checkCase(c, 'npu', 'fused'));
  });

  describe('npu, fused kernel, 16 KiB UB', () => {
    beforeAll(() => { expect(configureNpuDevice({ ubBytes: 16 * 1024 }).ubBytes).toBe(16 * 1024); });
    afterAll(() => { configureNpuDevice({}); });
    for (const c of suite.cases) it(label(c), () => checkCase(c, 'npu', 'fused'));

    it('the kernels really ran in a 16 KiB UB', () => {
      const report = npuSimulator().explain();
      expect(report.spec.ubBytes).toBe(16 * 1024);
      expect(report.launches.length).toBeGreaterThan(0);
      for (const launch of report.launches) expect(launch.ubPeakBytes).toBeLessThanOrEqual(16 * 1024);
    });
  });

  it('afterwards the npu is back at its default UB', () => {
    expect(npuSimulator().spec.ubBytes).toBeGreaterThan(16 * 1024);
  });
});
