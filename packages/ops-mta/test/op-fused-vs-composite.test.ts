import '@mta/ops-mta/register';
import { beforeAll, describe, expect, it } from 'vitest';
import { setFallback } from '@mta/core';
import { frobenius, runErrors, runMta } from './support/op-harness';
import { layoutOperands, layoutOptions, randomLayout, variantLabel, VARIANTS, type OpCase } from './support/op-layouts';

/**
 * The fused cpu kernel against the composite reference path (core primitives differentiated by autograd),
 * both through the public op: forward output and every gradient within 1e-6 relative Frobenius error, in
 * float32 and float64, over seeded random layouts and a few fixed ones that exercise every padding form.
 *
 * In pre mode the bias gradient is zero in exact arithmetic for both activations: the bias shifts every kept
 * entry of a row by the same amount before a shift-invariant softmax/sparsemax. Two round-off noises do not
 * agree relatively, so there each path's bias gradient is held to round-off of the gradient scale instead.
 */
const TOLERANCE = 1e-6;
const ROUND_OFF = { float32: 1e-6, float64: 1e-14 } as const;

beforeAll(() => setFallback({ strict: true }));

const FIXED: readonly OpCase[] = [
  { label: 'liger 3x3, padding 1', B: 2, Cin: 2, Cout: 2, L: 16, kernel: [3, 3], groups: 1, dilation: 1, padding: 1, bias: true },
  { label: 'paper 2x9 causal, groups 2', B: 1, Cin: 2, Cout: 2, L: 20, kernel: [2, 9], groups: 2, dilation: 1, padding: 'causal', bias: false },
  { label: 'depthwise 3x5 [padH, padW]', B: 1, Cin: 3, Cout: 3, L: 13, kernel: [3, 5], groups: 3, dilation: 1, padding: [1, 2], bias: true },
  { label: '3x3 dilated [t, b, l, r], Cout 4', B: 1, Cin: 2, Cout: 4, L: 11, kernel: [3, 3], groups: 2, dilation: [2, 1], padding: [3, 1, 0, 2], bias: true },
];

const LAYOUTS = [...FIXED, ...[201, 202, 203, 204, 205, 206, 207, 208].map((seed) => randomLayout(seed, [6, 24]))];

describe('fused kernel equals the composite reference path', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    describe(dtype, () => {
      LAYOUTS.forEach((layout, index) => {
        for (const variant of VARIANTS) {
          it(`${layout.label}, ${variantLabel(variant)}`, () => {
            const ops = layoutOperands(layout, 3000 + index);
            const fused = runMta(ops, layoutOptions(layout, { ...variant, impl: 'fused' }), { dtype });
            const composite = runMta(ops, layoutOptions(layout, { ...variant, impl: 'composite' }), { dtype });
            const errors = runErrors(fused, composite, ops.gradOut);
            expect(Object.keys(errors)).toHaveLength(layout.bias ? 4 : 3);
            if (variant.mode === 'pre' && layout.bias) {
              delete errors.gradBias;
              const scale = frobenius(ops.gradOut);
              expect(frobenius(fused.gradBias!), 'fused pre-mode gradBias is round-off').toBeLessThanOrEqual(ROUND_OFF[dtype] * scale);
              expect(frobenius(composite.gradBias!), 'composite pre-mode gradBias is round-off').toBeLessThanOrEqual(ROUND_OFF[dtype] * scale);
            }
            for (const [name, err] of Object.entries(errors)) expect(err, `${name} relFro`).toBeLessThanOrEqual(TOLERANCE);
          });
        }
      });
    });
  }
});
