import { onnxAttr, type OnnxGraphBuilder } from '@mta/core';

/**
 * The causal "keep" mask, bool [L, L], true where key j <= query i, for the last two axes of `scores`.
 * Built as Trilu(ConstantOfShape(Shape(scores)[-2:], 1)) instead of an L*L initializer, so the model
 * stays small at large L and L may be dynamic. Made once per traced L per graph (`L` is only the
 * sharing key; the exporter's second trace catches two dynamic lengths that share a traced size).
 */
export function causalKeepMask(g: OnnxGraphBuilder, scores: string, L: number): string {
  if (!Number.isSafeInteger(L) || L < 1) {
    throw new RangeError(`causalKeepMask: L must be a positive integer, got ${L}.`);
  }
  return g.memo(`causal-keep/${L}`, () =>
    g.scope('causal_mask', () => {
      const shape = g.op('Shape', [scores], { start: onnxAttr.int(-2) });
      const ones = g.op('ConstantOfShape', [shape], {
        value: onnxAttr.tensor({ data: Float32Array.of(1), dims: [1] }),
      });
      // Trilu's bool support varies between builds; float then Cast is supported everywhere.
      const lower = g.op('Trilu', [ones], { upper: onnxAttr.int(0) });
      return g.op('Cast', [lower], { to: onnxAttr.int(9 /* BOOL */) });
    }),
  );
}
