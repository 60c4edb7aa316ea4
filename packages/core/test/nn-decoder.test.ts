import './nn-device';
import { describe, expect, it } from 'vitest';
import { Rng, tensor, nn, type Tensor } from '../src/index';
import { gradcheckModule, randomArray, randomizeParameters, referenceDecoderBlock, referenceGeluTanh } from './nn-support';

function makeInput(seed: number, shape: number[]): Tensor {
  return tensor(randomArray(shape.reduce((a, b) => a * b, 1), seed, 1.5), shape, { dtype: 'float64' });
}

describe('nn.geluTanh', () => {
  it('is the tanh approximation of GELU', () => {
    const xs = [-3, -1, -0.5, 0, 0.5, 1, 2, 4];
    const y = nn.geluTanh(tensor(xs, { dtype: 'float64' })).toNumbers();
    y.forEach((v, i) => expect(v).toBeCloseTo(referenceGeluTanh(xs[i]!), 14));
    // PyTorch: F.gelu(torch.tensor(1., dtype=torch.float64), approximate='tanh')
    expect(y[5]).toBeCloseTo(0.8411919906082768, 14);
  });
});

describe('nn.DecoderBlock', () => {
  for (const activation of ['relu', 'gelu'] as const) {
    it(`matches a float64 loop reference (pre-LN, ${activation} MLP)`, () => {
      const block = new nn.DecoderBlock(6, new Rng(1), { numHeads: 2, ffDim: 10, activation, dtype: 'float64' });
      randomizeParameters(block, 2);
      const x = makeInput(3, [2, 4, 6]);
      const expected = referenceDecoderBlock(x.toNumbers(), 2, 4, 6, 2, block);
      block.forward(x).toNumbers().forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 11));
    });

    it(`has correct gradients for input and every parameter (${activation}, finite differences)`, () => {
      const block = new nn.DecoderBlock(4, new Rng(4), { numHeads: 2, ffDim: 6, activation, dtype: 'float64' });
      randomizeParameters(block, 5);
      const x = makeInput(6, [2, 3, 4]).setRequiresGrad();
      const result = gradcheckModule(block, [x], (input) => block.forward(input));
      expect(result.failures).toEqual([]);
      // input 24; ln 2 x 8; attention 4 x 20; fc1 4*6+6; fc2 6*4+4
      expect(result.checked).toBe(24 + 16 + 80 + 30 + 28);
    });
  }

  it('names its parameters for checkpoints and defaults to a 4x MLP', () => {
    const block = new nn.DecoderBlock(8, new Rng(1), { numHeads: 2 });
    expect(block.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual([
      'ln1.weight:8', 'ln1.bias:8',
      'attn.q.weight:8x8', 'attn.q.bias:8', 'attn.k.weight:8x8', 'attn.k.bias:8',
      'attn.v.weight:8x8', 'attn.v.bias:8', 'attn.o.weight:8x8', 'attn.o.bias:8',
      'ln2.weight:8', 'ln2.bias:8', 'fc1.weight:32x8', 'fc1.bias:32', 'fc2.weight:8x32', 'fc2.bias:8',
    ]);
    expect(block.parameters().every((p) => p.dtype === 'float32')).toBe(true);
  });

  it('applies dropout only in training, from its seeded source', () => {
    const x = makeInput(7, [1, 5, 8]);
    const make = () => new nn.DecoderBlock(8, new Rng(2), { numHeads: 2, dropout: 0.3, dropoutRandom: new Rng(3), dtype: 'float64' });
    const plain = new nn.DecoderBlock(8, new Rng(2), { numHeads: 2, dtype: 'float64' });
    const block = make();
    const trained = block.forward(x).toNumbers();
    expect(make().forward(x).toNumbers()).toEqual(trained);
    expect(trained).not.toEqual(plain.forward(x).toNumbers());
    block.eval();
    expect(block.forward(x).toNumbers()).toEqual(plain.forward(x).toNumbers());
  });

  it('passes a scores hook through to its attention', () => {
    let calls = 0;
    const block = new nn.DecoderBlock(4, new Rng(1), { numHeads: 2, scoresHook: (s) => { calls++; return s; } });
    block.forward(tensor(randomArray(12, 1), [1, 3, 4]));
    expect(calls).toBe(1);
    expect(() => new nn.DecoderBlock(4, new Rng(1), { numHeads: 2, dropout: 0.1 })).toThrow(/needs a dropoutRandom/);
  });
});
