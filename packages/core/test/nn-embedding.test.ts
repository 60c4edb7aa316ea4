import './nn-device';
import { describe, expect, it } from 'vitest';
import { Rng, tensor, nn } from '../src/index';
import { gradcheckModule } from './nn-support';

describe('nn.Embedding', () => {
  it('looks up rows for ids of any shape', () => {
    const emb = new nn.Embedding(5, 3, new Rng(1), { dtype: 'float64' });
    const table = emb.weight.toNumbers();
    const ids = [[4, 0, 4], [2, 1, 3]];
    const out = emb.forward(tensor(ids, { dtype: 'int32' }));
    expect(out.shape).toEqual([2, 3, 3]);
    expect(out.toNumbers()).toEqual(ids.flat().flatMap((id) => table.slice(id * 3, id * 3 + 3)));
  });

  it('initialises N(0, 1) from the seed, reproducibly', () => {
    const a = new nn.Embedding(100, 20, new Rng(7)).weight.toNumbers();
    const b = new nn.Embedding(100, 20, new Rng(7)).weight.toNumbers();
    expect(a).toEqual(b);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(variance - 1)).toBeLessThan(0.1);
  });

  it('scatters gradients back to the rows used, summing repeated ids (finite differences)', () => {
    const emb = new nn.Embedding(6, 3, new Rng(2), { dtype: 'float64' });
    const ids = tensor([[1, 4, 1], [0, 1, 5]], { dtype: 'int32' });
    const result = gradcheckModule(emb, [], () => emb.forward(ids));
    expect(result.failures).toEqual([]);
    expect(result.checked).toBe(18);
    // Row 2 and 3 are never used: exactly zero gradient.
    const grad = emb.weight.grad!.toNumbers();
    expect(grad.slice(6, 12)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('rejects float ids and bad sizes with a message naming them', () => {
    const emb = new nn.Embedding(4, 2, new Rng(1));
    expect(() => emb.forward(tensor([1, 2]))).toThrow(/ids must be int32/);
    expect(() => new nn.Embedding(0, 2, new Rng(1))).toThrow(/numEmbeddings must be a positive integer/);
  });
});
