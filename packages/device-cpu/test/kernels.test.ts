import { describe, expect, it } from 'vitest';
import { Rng, conv2d, matmul, opReferences, randNormal, softmax, sum, tidy, type Tensor } from '@mta/core';
import { planBroadcast, planStrided } from '../src/layout';
import { specializeByArray } from '../src/specialize';
import '../src/register';

/**
 * cpu-specific checks the shared suite keeps too small for: shapes that cross the matmul blocks and
 * exercise long rows, plus the iteration planner and per-type loop copies the kernels rely on.
 */
const { conv2dRef, matmulRef, ref, reduceRef, softmaxRef } = opReferences;
const rng = new Rng(3);
const refOf = (t: Tensor): opReferences.Ref => ref(t.shape, t.toNumbers());

function maxRelativeError(actual: readonly number[], expected: Float64Array): number {
  let worst = 0;
  actual.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - expected[i]!) / (1 + Math.abs(expected[i]!))); });
  return worst;
}

describe('cpu kernels on larger shapes', () => {
  it('matmul across the 128-deep and 512-wide blocks, float64 and float32', () => {
    tidy(() => {
      for (const dtype of ['float64', 'float32'] as const) {
        const a = randNormal(rng, [5, 300], 0, 1, { dtype }), b = randNormal(rng, [300, 530], 0, 1, { dtype });
        const err = maxRelativeError(matmul(a, b).toNumbers(), matmulRef(refOf(a), refOf(b)).data);
        expect(err).toBeLessThan(dtype === 'float64' ? 1e-12 : 1e-4);
      }
    });
  });

  it('batched matmul with a broadcast left operand', () => {
    tidy(() => {
      const a = randNormal(rng, [1, 7, 9], 0, 1, { dtype: 'float64' }), b = randNormal(rng, [3, 9, 4], 0, 1, { dtype: 'float64' });
      expect(maxRelativeError(matmul(a, b).toNumbers(), matmulRef(refOf(a), refOf(b)).data)).toBeLessThan(1e-12);
    });
  });

  it('conv2d on a 2x4x24x24 input, 3x3 and 5x5 kernels', () => {
    tidy(() => {
      const x = randNormal(rng, [2, 4, 24, 24], 0, 1, { dtype: 'float64' });
      for (const k of [3, 5]) {
        const w = randNormal(rng, [4, 4, k, k], 0, 1, { dtype: 'float64' }), b = randNormal(rng, [4], 0, 1, { dtype: 'float64' });
        const attrs = { pads: [k - 1, 0, 1, 1] as const, dilation: [1, 1] as const, groups: 1 };
        const expected = conv2dRef(refOf(x), refOf(w), refOf(b), attrs);
        expect(maxRelativeError(conv2d(x, w, b, attrs).toNumbers(), expected.data)).toBeLessThan(1e-12);
      }
    });
  });

  it('softmax rows of 2000 and sums over a 10^5-element axis', () => {
    tidy(() => {
      const x = randNormal(rng, [3, 2000], 0, 5, { dtype: 'float64' });
      expect(maxRelativeError(softmax(x).toNumbers(), softmaxRef(refOf(x), 1).data)).toBeLessThan(1e-12);
      const long = randNormal(rng, [2, 100000], 0, 1, { dtype: 'float64' });
      expect(maxRelativeError(sum(long, 1).toNumbers(), reduceRef(refOf(long), [1], false, 'sum').data)).toBeLessThan(1e-9);
    });
  });
});

describe('iteration plans', () => {
  it('collapse same-shape and scalar operands to one row', () => {
    const same = planBroadcast([4, 5, 6], [[4, 5, 6], [4, 5, 6]]);
    expect([same.rows, same.inner, ...same.innerStrides]).toEqual([1, 120, 1, 1, 1]);
    const scalar = planBroadcast([4, 5], [[4, 5], []]);
    expect([scalar.rows, scalar.inner, ...scalar.innerStrides]).toEqual([1, 20, 1, 1, 0]);
  });

  it('walk broadcast operands row by row with stride 0 where broadcast', () => {
    const plan = planBroadcast([2, 3], [[2, 1], [3]]);
    expect([plan.rows, plan.inner, ...plan.innerStrides]).toEqual([2, 3, 1, 0, 1]);
    expect(plan.rowStarts.map((s) => Array.from(s))).toEqual([[0, 3], [0, 1], [0, 0]]);
  });

  it('merge only dims that form one run, and handle size 0', () => {
    // A transposed [3, 2] view: nothing merges, rows step by the outer stride.
    const t = planStrided([3, 2], [[2, 1], [1, 3]]);
    expect([t.rows, t.inner, ...t.innerStrides]).toEqual([3, 2, 1, 3]);
    expect(Array.from(t.rowStarts[1]!)).toEqual([0, 1, 2]);
    expect(planStrided([3, 0, 2], [[0, 2, 1]]).rows).toBe(0);
    expect(planStrided([], [[]])).toMatchObject({ rows: 1, inner: 1 });
  });
});

describe('per-element-type loop copies', () => {
  it('give each typed-array class its own compiled copy that behaves like the original', () => {
    function scaleInto(src: Float32Array | Float64Array, dst: Float32Array | Float64Array, k: number): void {
      for (let i = 0; i < src.length; i++) dst[i] = src[i]! * k;
    }
    const copyFor = specializeByArray(scaleInto);
    const f32 = copyFor(new Float32Array(1)), f64 = copyFor(new Float64Array(1));
    expect(f32).not.toBe(scaleInto);
    expect(f32).not.toBe(f64);
    expect(copyFor(new Float32Array(3))).toBe(f32);
    const out = new Float64Array(3);
    f64(new Float64Array([1, 2, 3]), out, 2);
    expect(Array.from(out)).toEqual([2, 4, 6]);
  });
});
