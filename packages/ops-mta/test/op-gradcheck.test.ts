import '@mta/ops-mta/register';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradcheck, Rng, setFallback, tensor, type Tensor } from '@mta/core';
import { multiTokenAttention, sparsemax, type MtaOptions } from '@mta/ops-mta';
import { randomValues } from './support/op-harness';
import { layoutOptions, randomLayout, variantLabel, VARIANTS, type OpCase } from './support/op-layouts';

/**
 * Float64 central differences (core's gradcheck) against the gradients autograd computes through
 * multiTokenAttention, on both cpu paths (fused kernel and composite of primitives), over configurations
 * that cover both modes, both activations, groups 1 / 2 / depthwise, dilation 2, rectangular kernels, every
 * padding form and bias on and off; plus the standalone sparsemax op along every axis.
 *
 * Sparsemax is piecewise linear: a finite difference straddling a support boundary is wrong. With continuous
 * random inputs and eps = 1e-6 the chance that some entry lies within eps of its row's threshold is ~1e-5 per
 * check, so no seed below needed adjusting; a failure here that moves with eps is a kink, not a bug.
 */
beforeAll(() => setFallback({ strict: true }));

/** Layouts every run covers; each runs in both modes x both activations x both cpu paths. */
const LAYOUTS: readonly OpCase[] = [
  { label: '3x3, padding 1 (number), bias', B: 1, Cin: 2, Cout: 2, L: 6, kernel: [3, 3], groups: 1, dilation: 1, padding: 1, bias: true },
  { label: '2x3 causal, groups 2, Cout 4', B: 1, Cin: 2, Cout: 4, L: 5, kernel: [2, 3], groups: 2, dilation: 1, padding: 'causal', bias: true },
  { label: '1x5 depthwise, [padH, padW] = [0, 2], no bias', B: 2, Cin: 3, Cout: 3, L: 5, kernel: [1, 5], groups: 3, dilation: 1, padding: [0, 2], bias: false },
  { label: '3x1 dilation 2, [t, b, l, r] = [1, 3, 0, 0]', B: 1, Cin: 1, Cout: 2, L: 7, kernel: [3, 1], groups: 1, dilation: 2, padding: [1, 3, 0, 0], bias: true },
  { label: '3x3 dilation 2, padding 2', B: 1, Cin: 2, Cout: 1, L: 8, kernel: [3, 3], groups: 1, dilation: 2, padding: 2, bias: false },
  { label: '2x2 dilation [2, 1], causal', B: 1, Cin: 2, Cout: 2, L: 6, kernel: [2, 2], groups: 2, dilation: [2, 1], padding: 'causal', bias: true },
];

const RANDOM_LAYOUTS = [101, 102, 103, 104, 105, 106].map((seed) => randomLayout(seed));

function inputsOf(c: OpCase, seed: number): Tensor[] {
  const rng = new Rng(seed);
  const leaf = (n: number, shape: number[], scale: number) => tensor(randomValues(rng, n, scale), shape, { dtype: 'float64', requiresGrad: true });
  const [kH, kW] = c.kernel;
  const inputs = [
    leaf(c.B * c.Cin * c.L * c.L, [c.B, c.Cin, c.L, c.L], 1.5),
    leaf(c.Cout * (c.Cin / c.groups) * kH * kW, [c.Cout, c.Cin / c.groups, kH, kW], 0.7),
  ];
  if (c.bias) inputs.push(leaf(c.Cout, [c.Cout], 0.5));
  return inputs;
}

function check(c: OpCase, options: MtaOptions, seed: number): void {
  const inputs = inputsOf(c, seed);
  const fn = (scores: Tensor, weight: Tensor, bias?: Tensor) =>
    multiTokenAttention(scores, weight, bias ?? null, layoutOptions(c, options));
  const result = gradcheck(fn, inputs, { eps: 1e-6, atol: 1e-6, rtol: 1e-5 });
  expect(result.failures, `${c.label} ${JSON.stringify(options)} (worst ${result.worst})`).toEqual([]);
  expect(result.ok).toBe(true);
  inputs.forEach((t) => t.dispose());
}

describe('gradcheck of multiTokenAttention (float64, cpu)', () => {
  for (const impl of ['fused', 'composite'] as const) {
    describe(`impl '${impl}'`, () => {
      [...LAYOUTS, ...RANDOM_LAYOUTS].forEach((layout, index) => {
        for (const variant of VARIANTS) {
          it(`${layout.label}, ${variantLabel(variant)}`, () => {
            check(layout, { ...variant, impl }, 1000 + index);
          });
        }
      });
    });
  }

  it('the random layouts are not degenerate: they include groups, dilation and rectangular kernels', () => {
    expect(RANDOM_LAYOUTS.some((c) => c.groups > 1)).toBe(true);
    expect(RANDOM_LAYOUTS.some((c) => c.dilation !== 1 && JSON.stringify(c.dilation) !== '[1,1]')).toBe(true);
    expect(RANDOM_LAYOUTS.some((c) => c.kernel[0] !== c.kernel[1])).toBe(true);
  });
});

describe('gradcheck of sparsemax alone (float64, cpu)', () => {
  for (const axis of [0, 1, -1, 2, -3]) {
    it(`axis ${axis} of a (4, 5, 6) tensor`, () => {
      const rng = new Rng(50 + axis);
      const x = tensor(randomValues(rng, 4 * 5 * 6, 1.5), [4, 5, 6], { dtype: 'float64', requiresGrad: true });
      const result = gradcheck((t) => sparsemax(t, axis), [x], { eps: 1e-6, atol: 1e-6, rtol: 1e-5 });
      expect(result.failures).toEqual([]);
      // Sparsity is what makes this check about sparsemax: with this spread most lines have zeros.
      const y = sparsemax(x, axis).toArray();
      let zeros = 0;
      for (let k = 0; k < y.length; k++) if (y[k] === 0) zeros++;
      expect(zeros).toBeGreaterThan(y.length / 4);
      x.dispose();
    });
  }

  it('a 2-D tensor along axis 0, and a row of one element (gradient exactly zero)', () => {
    const rng = new Rng(77);
    const x = tensor(randomValues(rng, 7 * 3, 2), [7, 3], { dtype: 'float64', requiresGrad: true });
    expect(gradcheck((t) => sparsemax(t, 0), [x], { eps: 1e-6, atol: 1e-6, rtol: 1e-5 }).failures).toEqual([]);
    const single = tensor([[0.3], [-2]], { dtype: 'float64', requiresGrad: true });
    const y = sparsemax(single, -1);
    expect(Array.from(y.toArray())).toEqual([1, 1]);
    y.backward(tensor([[5], [-1]], { dtype: 'float64' }));
    expect(Array.from(single.grad!.toArray())).toEqual([0, 0]);
  });
});
