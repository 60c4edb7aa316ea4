import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  broadcastReductionAxes, InvalidArgumentError, Rng, Tensor, expand, randNormal, randUniform, registerDevice, reshape, tensor, zeros, contiguousStrides, normalizeAxes, normalizeAxis, reducedShape, sizeOf, tryBroadcastShapes,
} from '../src/index';

/** Shape helpers against definitions written out longhand (and, for broadcasting, NumPy's rule). */
const dim = fc.integer({ min: 0, max: 4 });
const shape = fc.array(dim, { maxLength: 4 });

/** NumPy: align right; each pair must be equal or contain a 1; the result takes the non-1 size. */
function numpyBroadcast(a: readonly number[], b: readonly number[]): number[] | undefined {
  const out: number[] = [];
  for (let i = 1; i <= Math.max(a.length, b.length); i++) {
    const x = a[a.length - i] ?? 1, y = b[b.length - i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.unshift(x === 1 ? y : x);
  }
  return out;
}

describe('shape helpers', () => {
  it('tryBroadcastShapes follows the NumPy rule', () => {
    fc.assert(fc.property(shape, shape, (a, b) => {
      expect(tryBroadcastShapes(a, b)).toEqual(numpyBroadcast(a, b));
    }));
    expect(tryBroadcastShapes([2, 1, 3], [4, 1])).toEqual([2, 4, 3]);
    expect(tryBroadcastShapes([2, 3], [4])).toBeUndefined();
  });

  it('broadcastReductionAxes finds exactly the axes that must be summed to undo a broadcast', () => {
    fc.assert(fc.property(shape, fc.array(fc.boolean(), { maxLength: 4 }), fc.integer({ min: 0, max: 2 }), (to, ones, lead) => {
      const small = to.map((d, i) => (ones[i] ? 1 : d));
      const from = [...Array.from({ length: lead }, () => 3), ...to];
      const axes = broadcastReductionAxes(from, small);
      // Summing those axes (keeping dims) and dropping the leading ones must give back `small`.
      const kept = reducedShape(from, axes, true).slice(lead);
      expect(kept).toEqual(small.map((d, i) => (axes.includes(i + lead) ? 1 : d)));
      for (let i = 0; i < from.length; i++) {
        const needed = i < lead || (small[i - lead] === 1 && from[i] !== 1);
        expect(axes.includes(i)).toBe(needed);
      }
    }));
  });

  it('contiguousStrides are row-major and sizeOf multiplies', () => {
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(contiguousStrides([])).toEqual([]);
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([2, 0, 3])).toBe(0);
  });

  it('normalizeAxis wraps negatives and names the problem when out of range', () => {
    expect(normalizeAxis(-1, 3)).toBe(2);
    expect(normalizeAxis(0, 0)).toBe(0);
    expect(() => normalizeAxis(3, 3)).toThrow('axis 3 is out of range for a tensor of rank 3: expected an integer in [-3, 2]');
    expect(() => normalizeAxis(1.5, 3)).toThrow(/out of range/);
    expect(normalizeAxes([-1, 0, 2], 3)).toEqual([0, 2]);
    expect(normalizeAxes(undefined, 3)).toEqual([0, 1, 2]);
    expect(() => normalizeAxes([5], 2)).toThrow('axes entry 5 is out of range');
  });

  it('reducedShape keeps or drops reduced axes', () => {
    expect(reducedShape([2, 3, 4], [0, 2], false)).toEqual([3]);
    expect(reducedShape([2, 3, 4], [0, 2], true)).toEqual([1, 3, 1]);
    expect(reducedShape([2, 3], [], false)).toEqual([2, 3]);
  });
});

describe('shapes handed to core are validated', () => {
  const cases: [string, unknown, RegExp][] = [
    ['NaN', [2, NaN], /^shape\[1\]: expected a non-negative integer dimension, got NaN/],
    ['negative', [-1], /^shape\[0\]: expected a non-negative integer dimension, got -1/],
    ['fractional', [2.5, 3], /^shape\[0\]: expected a non-negative integer dimension, got 2\.5/],
    ['not an array', 7, /^shape: expected an array of non-negative integer dimensions, got 7/],
    ['too many elements', [2 ** 20, 2 ** 20], /^shape: expected at most 4294967295 elements/],
  ];
  for (const [what, shape, message] of cases) {
    it(`zeros() and Tensor.empty() name a ${what} shape`, () => {
      expect(() => zeros(shape as number[])).toThrow(InvalidArgumentError);
      expect(() => zeros(shape as number[])).toThrow(message);
      expect(() => Tensor.empty(shape as number[], 'float32', 'cpu')).toThrow(message);
    });
  }
});

describe('shapes handed to view and random ops are validated', () => {
  const DEVICE = 'shape-validation-test';
  const dispose = registerDevice({ name: DEVICE });
  const x = tensor([1, 2, 3], { device: DEVICE });
  it('reshape allows one -1 but names any other bad dim', () => {
    expect(reshape(x, [-1, 1]).shape).toEqual([3, 1]);
    expect(() => reshape(x, [NaN])).toThrow(/^reshape shape\[0\]: expected a non-negative integer dimension, got NaN/);
    expect(() => reshape(x, [1.5, 2])).toThrow(InvalidArgumentError);
  });
  it('expand and the random creators name a bad dim', () => {
    expect(() => expand(x, [NaN, 3])).toThrow(/^expand shape\[0\]: expected a non-negative integer dimension, got NaN/);
    expect(() => randNormal(new Rng(0), [2, -1], 0, 1, { device: DEVICE })).toThrow(/^randNormal shape\[1\]: expected a non-negative integer dimension, got -1/);
    expect(() => randUniform(new Rng(0), [0.5], 0, 1, { device: DEVICE })).toThrow(/^randUniform shape\[0\]/);
  });
  afterAll(() => { x.dispose(); dispose(); });
});
