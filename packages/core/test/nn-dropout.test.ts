import './nn-device';
import { describe, expect, it } from 'vitest';
import { Rng, tensor, nn, type Tensor } from '../src/index';
import { gradcheckModule, randomArray } from './nn-support';

/** Replays the same uniforms each time it is rewound: a fixed mask for finite differences. */
class Replay implements nn.UniformSource {
  private i = 0;
  constructor(private readonly values: number[]) {}
  rewind(): void { this.i = 0; }
  uniform(): number { return this.values[this.i++ % this.values.length]!; }
}

describe('nn.Dropout', () => {
  it('is the identity in eval mode and for p = 0', () => {
    const x = tensor([[1, -2], [3, 4]]);
    const d = new nn.Dropout(0.5, new Rng(1)).eval();
    expect(d.forward(x)).toBe(x);
    expect(new nn.Dropout(0, new Rng(1)).forward(x)).toBe(x);
  });

  it('zeroes with probability p and scales survivors by 1 / (1 - p), reproducibly from the seed', () => {
    const n = 20000;
    const x = tensor(new Float64Array(n).fill(2), [n], { dtype: 'float64' });
    const y = new nn.Dropout(0.25, new Rng(3)).forward(x).toNumbers();
    const again = new nn.Dropout(0.25, new Rng(3)).forward(x).toNumbers();
    expect(y).toEqual(again);
    expect(y.every((v) => v === 0 || Math.abs(v - 2 / 0.75) < 1e-12)).toBe(true);
    const dropped = y.filter((v) => v === 0).length / n;
    // Binomial(20000, 0.25): the standard deviation of the fraction is 0.003.
    expect(Math.abs(dropped - 0.25)).toBeLessThan(0.015);
  });

  it('passes the gradient through the kept elements only (finite differences)', () => {
    const source = new Replay([0.1, 0.9, 0.5, 0.2, 0.7, 0.95]);
    const d = new nn.Dropout(0.4, source);
    const x = tensor(randomArray(12, 4), [3, 4], { dtype: 'float64', requiresGrad: true });
    const fn = (input: Tensor): Tensor => { source.rewind(); return d.forward(input); };
    const result = gradcheckModule(d, [x], fn);
    expect(result.failures).toEqual([]);
    // uniforms >= 0.6 are dropped: elements 1, 4, 5 of each 6.
    const g = x.grad!.toNumbers();
    expect([1, 4, 5, 7, 10, 11].map((i) => Math.abs(g[i]!))).toEqual([0, 0, 0, 0, 0, 0]);
    expect([0, 2, 3, 6, 8, 9].every((i) => g[i] !== 0)).toBe(true);
  });

  it('rejects p outside [0, 1)', () => {
    expect(() => new nn.Dropout(1, new Rng(1))).toThrow(/p must be in \[0, 1\)/);
  });
});
