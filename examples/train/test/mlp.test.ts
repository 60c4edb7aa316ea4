import { describe, expect, it } from 'vitest';
import { trainMlp } from '../src/train-mlp';

describe('two-layer MLP with Adam', () => {
  it('lowers the loss and is deterministic for a fixed seed', () => {
    const a = trainMlp({ seed: 3, steps: 200 });
    const b = trainMlp({ seed: 3, steps: 200 });
    const c = trainMlp({ seed: 4, steps: 200 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.every(Number.isFinite)).toBe(true);
    const first = a.slice(0, 20).reduce((s, v) => s + v, 0) / 20;
    const last = a.slice(-20).reduce((s, v) => s + v, 0) / 20;
    expect(last).toBeLessThan(first / 3);
  });
});
