import '@mta/ops-mta/register';
import { beforeAll, describe, expect, it } from 'vitest';
import { noGrad, randNormal, Rng, setFallback, tidy, withTracer, type AnyOpDef, type OpTracer, type Tensor } from '@mta/core';
import { MultiTokenAttentionOp, mtaForward, mtaGeometryOf, multiTokenAttention } from '@mta/ops-mta';

/**
 * A post-mode call that no tape records (inference) has no backward to keep P for: on cpu the fused op then
 * has no probs output and the kernel writes no map (memory and traffic of one (B, Cin, L, L) map less).
 * The output must not change. A call that will be differentiated saves no P on cpu either: its backward
 * recomputes P from the scores (cpu-fused-recompute.test.ts checks those gradients bit for bit).
 */
beforeAll(() => setFallback({ strict: true }));

function outputsOfOp(run: () => Tensor): number {
  let count = -1;
  const tracer: OpTracer = { onOp: (op: AnyOpDef, _inputs, _attrs, outputs) => { if (op === MultiTokenAttentionOp) count = outputs.length; } };
  tidy(() => withTracer(tracer, run));
  return count;
}

describe('inference calls save no probability map', () => {
  for (const sparse of [false, true]) {
    it(`post/${sparse ? 'sparsemax' : 'softmax'}: one output without a tape, the same values as with one`, () => {
      const rng = new Rng(3);
      const scores = randNormal(rng, [2, 3, 37, 37], 0, 1, { requiresGrad: true });
      const weight = randNormal(rng, [2, 3, 3, 3], 0, 0.5, { requiresGrad: true });
      const bias = randNormal(rng, [2], 0, 0.1, { requiresGrad: true });
      const options = { mode: 'post', sparse, padding: 1 } as const;
      expect(outputsOfOp(() => noGrad(() => multiTokenAttention(scores, weight, bias, options)))).toBe(1);
      expect(outputsOfOp(() => multiTokenAttention(scores.detach(), weight.detach(), bias.detach(), options))).toBe(1);
      expect(outputsOfOp(() => multiTokenAttention(scores, weight, bias, options)), 'recorded: no map saved, the backward recomputes it').toBe(1);
      const inference = noGrad(() => multiTokenAttention(scores, weight, bias, options)).toArray();
      const training = multiTokenAttention(scores, weight, bias, options).toArray();
      expect(Array.from(inference)).toEqual(Array.from(training));
    });
  }

  it('the raw kernel with probs: null returns no saved map and the same output', () => {
    const rng = new Rng(4);
    const scores = randNormal(rng, [1, 2, 41, 41]);
    const weight = randNormal(rng, [2, 2, 3, 3], 0, 0.5);
    const geometry = mtaGeometryOf(scores, weight, null, { mode: 'post', padding: 1 });
    const s = scores.toArray() as Float32Array;
    const w = weight.toArray() as Float32Array;
    const inference = mtaForward(s, w, null, geometry, { probs: null });
    const training = mtaForward(s, w, null, geometry);
    expect(inference.saved).toBeNull();
    expect(Array.from(inference.out)).toEqual(Array.from(training.out));
  });
});
