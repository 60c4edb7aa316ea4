import { describe, expect, it } from 'vitest';
import { findKernel, listOps, type AnyOpDef } from '@mta/core';
import '../src/register';

/**
 * Every op core defines can run on cpu and has a gradient decision: a cpu kernel or a core forward; a
 * grad formula or an explicit `differentiable: false`; cpu kernels for the backward ops its gradient
 * calls. Backward ops are reachable from some forward op, so none is dead weight.
 */
const ops = listOps();

describe('registry completeness on cpu', () => {
  it('sees the core op set', () => {
    const names = ops.map((op) => op.name);
    for (const expected of ['Add', 'MatMul', 'Conv2d', 'Conv2dBackpropInput', 'Softmax', 'IndexSelect', 'Contiguous', 'Reshape']) {
      expect(names).toContain(expected);
    }
  });

  for (const op of ops) {
    it(`${op.name}: runs on cpu`, () => {
      expect(op.forward !== undefined || findKernel(op, 'cpu') !== undefined, `${op.name} has neither a core forward nor a cpu kernel`).toBe(true);
    });

    it(`${op.name}: has a gradient or is declared non-differentiable`, () => {
      if (op.differentiable) expect(typeof op.grad).toBe('function');
      else expect(op.grad, `${op.name} is non-differentiable but carries a grad formula`).toBeUndefined();
      if (op.role === 'backward') expect(op.differentiable, 'backward ops are not differentiated again').toBe(false);
    });

    if (op.backwardOps.length > 0) {
      it(`${op.name}: its backward ops have cpu kernels`, () => {
        const missing = op.backwardOps.filter((b) => !findKernel(b, 'cpu')).map((b: AnyOpDef) => b.name);
        expect(missing).toEqual([]);
        expect(op.backwardOps.every((b) => b.role === 'backward')).toBe(true);
      });
    }
  }

  it('every backward op is named by some forward op', () => {
    const named = new Set(ops.flatMap((op) => op.backwardOps));
    const orphans = ops.filter((op) => op.role === 'backward' && !named.has(op)).map((op) => op.name);
    expect(orphans).toEqual([]);
  });
});
