import { afterAll, describe, expect, it } from 'vitest';
import { tensor, tidy } from '@mta/core';
import { releaseWebgpu, webgpuContext, webgpuMemory } from '@mta/device-webgpu';
import { webgpuForTests } from '@mta/device-webgpu/testing';
import { registerMtaWebgpu, timeMtaWebgpu } from '@mta/ops-mta/webgpu';
import { multiTokenAttention, type MtaOptions, registerMta, sparsemax } from '@mta/ops-mta';
import { runMtaOnWebgpu } from './support/webgpu-run';
import { exactlyZeroGrads, randomOperands, runErrors, runMta, type MtaOperands, type MtaRun } from './support/op-harness';

/**
 * The webgpu kernels against the cpu fused kernel on shapes the golden files do not reach: rows longer
 * than a workgroup (L = 300 > 256 invocations), several weight-gradient chunks per row block, inputs at
 * offsets a storage binding cannot start at, and the pipeline cache.
 */
registerMta(); // cpu, the reference
registerMtaWebgpu();
const gpu = await webgpuForTests();
const title = gpu.ready ? `webgpu MTA kernels vs cpu (${gpu.adapter})` : `webgpu MTA kernels vs cpu (skipped: ${gpu.reason})`;
afterAll(() => releaseWebgpu());

const f64 = (a: ArrayLike<number>): Float64Array => Float64Array.from(a);
/** SwiftShader computes on the CPU: a few seconds per case, more on a loaded machine. */
const SOFTWARE_GPU_TIMEOUT_MS = 180_000;


/** Gradients that are zero in exact arithmetic (the pre-mode bias gradient; all of them at L = 1) are floored as in golden. */
function expectClose(got: MtaRun, want: MtaRun, ops: MtaOperands, options: MtaOptions, what: string): void {
  const exactZero = exactlyZeroGrads(options.mode ?? 'post', ops.L, got.gradBias !== null);
  for (const [name, err] of Object.entries(runErrors(got, want, ops.gradOut, exactZero))) expect(err, `${what}: ${name}`).toBeLessThanOrEqual(1e-5);
}

const CASES: { name: string; sizes: Parameters<typeof randomOperands>[1]; options: MtaOptions }[] = [
  { name: 'post softmax, L=300, causal 3x3', sizes: { B: 1, Cin: 2, Cout: 2, L: 300, kH: 3, kW: 3 }, options: { mode: 'post', padding: 'causal' } },
  { name: 'pre sparsemax, L=260, symmetric 3x3, groups 2', sizes: { B: 1, Cin: 2, Cout: 4, L: 260, kH: 3, kW: 3, groups: 2 }, options: { mode: 'pre', sparse: true, padding: 1, groups: 2 } },
  { name: 'post sparsemax, L=40, 2x5 dilation 2x1, no bias', sizes: { B: 3, Cin: 3, Cout: 3, L: 40, kH: 2, kW: 5, bias: false }, options: { mode: 'post', sparse: true, padding: 'causal', dilation: [2, 1] } },
  // cig = 8 with 9 taps: the weight gradient gives each of the 8 channels its own workgroups.
  { name: 'post softmax, L=24, 8 input channels, 3x3', sizes: { B: 2, Cin: 8, Cout: 2, L: 24, kH: 3, kW: 3 }, options: { mode: 'post', padding: 1 } },
  { name: 'pre softmax, L=1, 3x3 causal', sizes: { B: 2, Cin: 2, Cout: 2, L: 1, kH: 3, kW: 3 }, options: { mode: 'pre', padding: 'causal' } },
  { name: 'post sparsemax, Cout=4 from Cin=2 in 2 groups, L=17, dilation 2x2', sizes: { B: 1, Cin: 2, Cout: 4, L: 17, kH: 3, kW: 3, groups: 2 }, options: { mode: 'post', sparse: true, padding: 2, dilation: 2, groups: 2 } },
  { name: 'pre sparsemax, saturated scores (scale 60), L=33', sizes: { B: 2, Cin: 2, Cout: 2, L: 33, kH: 2, kW: 3, scoreScale: 60 }, options: { mode: 'pre', sparse: true, padding: 'causal' } },
  { name: 'pre softmax, L=50, 1x1', sizes: { B: 2, Cin: 4, Cout: 2, L: 50, kH: 1, kW: 1 }, options: { mode: 'pre', padding: 0 } },
];

describe.skipIf(!gpu.ready)(title, () => {
  it('NaN scores above the diagonal reach nothing, in pre mode too', async () => {
    const ops = randomOperands(13, { B: 1, Cin: 2, Cout: 2, L: 20, kH: 3, kW: 3 });
    const L = 20;
    for (let k = 0; k < ops.scores.length; k++) if (k % L > Math.floor(k / L) % L) ops.scores[k] = Number.NaN;
    for (const options of [{ mode: 'pre', padding: 'causal' }, { mode: 'pre', sparse: true, padding: 1 }, { mode: 'post', padding: 1 }] as MtaOptions[]) {
      const want = runMta(ops, { ...options, impl: 'fused' }, { device: 'cpu', dtype: 'float32' });
      expectClose(await runMtaOnWebgpu(ops, options), want, ops, options, `NaN above the diagonal, ${JSON.stringify(options)}`);
    }
  }, SOFTWARE_GPU_TIMEOUT_MS);

  for (const c of CASES) {
    it(c.name, async () => {
      const ops = randomOperands(7, c.sizes);
      const want = runMta(ops, { ...c.options, impl: 'fused' }, { device: 'cpu', dtype: 'float32' });
      expectClose(await runMtaOnWebgpu(ops, c.options), want, ops, c.options, c.name);
    }, SOFTWARE_GPU_TIMEOUT_MS);
  }

  it('scores at an offset no storage binding can start at are copied first, with the same results', async () => {
    const ops = randomOperands(11, { B: 1, Cin: 1, Cout: 1, L: 5, kH: 3, kW: 3 });
    const want = runMta(ops, { mode: 'post', padding: 1, impl: 'fused' }, { device: 'cpu', dtype: 'float32' });
    const both = tensor(f64([...new Float64Array(25).fill(Number.NaN), ...ops.scores]), [2, 1, 5, 5], { dtype: 'float32', device: 'webgpu' });
    // Batch 1 of the (2, 1, 5, 5) map starts at byte 100, not a multiple of the binding alignment (256).
    const scores = both.slice([1, 0, 0, 0], [2, 1, 5, 5]);
    expect(scores.offset * 4 % webgpuContext().limits.storageOffsetAlignment).not.toBe(0);
    const weight = tensor(ops.weight, [1, 1, 3, 3], { dtype: 'float32', device: 'webgpu', requiresGrad: true });
    const bias = tensor(ops.bias!, [1], { dtype: 'float32', device: 'webgpu' });
    const gradOut = tensor(ops.gradOut, [1, 1, 5, 5], { dtype: 'float32', device: 'webgpu' });
    const out = tidy(() => {
      const y = multiTokenAttention(scores, weight, bias, { mode: 'post', padding: 1, impl: 'fused' });
      y.backward(gradOut);
      return y;
    });
    const errors = runErrors(
      { out: f64(await out.data()), gradScores: want.gradScores, gradWeight: f64(await weight.grad!.data()), gradBias: want.gradBias },
      want, ops.gradOut);
    for (const [name, err] of Object.entries(errors)) expect(err, name).toBeLessThanOrEqual(1e-5);
    for (const x of [out, both, scores, weight.grad, weight, bias, gradOut]) x?.dispose();
  });

  it('the composite path (masks, softmax or sparsemax, conv2d in primitives) runs on webgpu and matches the cpu fused kernel', async () => {
    for (const c of CASES.slice(1, 4)) {
      const ops = randomOperands(11, c.sizes);
      const want = runMta(ops, { ...c.options, impl: 'fused' }, { device: 'cpu', dtype: 'float32' });
      expectClose(await runMtaOnWebgpu(ops, { ...c.options, impl: 'composite' }), want, ops, c.options, `composite: ${c.name}`);
    }
  }, SOFTWARE_GPU_TIMEOUT_MS);

  it('sparsemax along a middle axis, and its gradient, match cpu', async () => {
    const values = Array.from({ length: 2 * 5 * 3 }, (_, k) => Math.sin(k * 1.7) * 2);
    const upstream = Array.from({ length: 2 * 5 * 3 }, (_, k) => Math.cos(k * 0.9));
    const results: number[][] = [];
    for (const device of ['cpu', 'webgpu']) {
      const x = tensor(values, [2, 5, 3], { device, requiresGrad: true });
      const y = sparsemax(x, 1);
      const g = tensor(upstream, [2, 5, 3], { device });
      y.backward(g);
      results.push([...await y.data(), ...await x.grad!.data()]);
      for (const t of [x, y, g, x.grad]) t?.dispose();
    }
    const [cpu, gpu] = results;
    expect(gpu!.length).toBe(60);
    gpu!.forEach((v, k) => expect(v, `element ${k}`).toBeCloseTo(cpu![k]!, 5));
  }, SOFTWARE_GPU_TIMEOUT_MS);

  it('the timing helper runs forward and forward+backward on the device and reports first call and steady state', async () => {
    const t = await timeMtaWebgpu({ B: 1, C: 2, L: 32, repeats: 2, passTiming: webgpuContext().device.features.has('timestamp-query') });
    if (t.passes) {
      // Every pass of a call, once per call: the forward's two, the backward's four more.
      const perCall = (xs: readonly { label: string; count: number }[]) => xs.map((p) => [p.label, p.count]).sort();
      expect(perCall(t.passes.forward)).toEqual([['mta-activation', 1], ['mta-conv', 1]]);
      expect(perCall(t.passes.forwardBackward)).toEqual([
        ['mta-activation', 1], ['mta-activation-vjp', 1], ['mta-conv', 1], ['mta-conv-transpose', 1], ['mta-weight-grad', 1], ['mta-weight-grad-sum', 1],
      ]);
    }
    expect(t.workgroupSize).toBe(webgpuContext().limits.workgroupSize);
    for (const ms of [t.firstForwardMs, t.firstForwardBackwardMs, t.forwardMs, t.forwardBackwardMs]) expect(ms).toBeGreaterThan(0);
    expect(t.peakBytes).toBeGreaterThanOrEqual(3 * 32 * 32 * 2 * 4);
    expect(webgpuMemory.counters().liveBytes).toBe(0);
  }, SOFTWARE_GPU_TIMEOUT_MS);

  it('the timing helper runs float16 calls too (maps packed, half the bytes of the saved map)', async () => {
    const t = await timeMtaWebgpu({ B: 1, C: 2, L: 32, repeats: 2, dtype: 'float16' });
    for (const ms of [t.firstForwardMs, t.firstForwardBackwardMs, t.forwardMs, t.forwardBackwardMs]) expect(ms).toBeGreaterThan(0);
    expect(t.peakBytes).toBeGreaterThanOrEqual(3 * 32 * 32 * 2 * 2);
    expect(webgpuMemory.counters().liveBytes).toBe(0);
  }, SOFTWARE_GPU_TIMEOUT_MS);

  it('a second identical call compiles no pipeline, and every buffer goes back to the pool', async () => {
    const ops = randomOperands(3, { B: 1, Cin: 2, Cout: 2, L: 24, kH: 3, kW: 3 });
    await runMtaOnWebgpu(ops, { mode: 'pre', padding: 'causal' });
    const pipelines = webgpuContext().pipelineCount;
    await runMtaOnWebgpu(ops, { mode: 'pre', padding: 'causal' });
    expect(webgpuContext().pipelineCount).toBe(pipelines);
    expect(webgpuMemory.counters().liveBytes).toBe(0);
  });
});
