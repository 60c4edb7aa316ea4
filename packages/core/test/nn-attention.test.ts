import './nn-device';
import { describe, expect, it } from 'vitest';
import { Rng, mul, softmax, tensor, tril, nn, type Tensor } from '../src/index';
import { attentionValues, gradcheckModule, randomArray, randomizeParameters, referenceAttention } from './nn-support';

const B = 2;
const L = 4;
const D = 6;
const H = 2;

function makeInput(seed: number, shape = [B, L, D]): Tensor {
  return tensor(randomArray(shape.reduce((a, b) => a * b, 1), seed, 1.5), shape, { dtype: 'float64' });
}

/** Scales each head's scores by a learned factor: a hook with a parameter, standing in for MTA. */
class HeadScale extends nn.Module implements nn.ScoresHookModule {
  readonly scale: Tensor;
  constructor(heads: number) {
    super();
    this.scale = this.registerParameter('scale', tensor(randomArray(heads, 99, 1).map((v) => 1 + v / 2), [1, heads, 1, 1], { dtype: 'float64' }));
  }
  forward(scores: Tensor): Tensor { return mul(scores, this.scale); }
}

describe('nn.CausalSelfAttention', () => {
  it('matches a float64 loop reference (projections, scaling, causal softmax, heads)', () => {
    const attn = new nn.CausalSelfAttention(D, H, new Rng(1), { dtype: 'float64' });
    const x = makeInput(2);
    const out = attn.forward(x);
    expect(out.shape).toEqual([B, L, D]);
    const expected = referenceAttention(x.toNumbers(), B, L, D, H, attentionValues(attn));
    out.toNumbers().forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });

  it('is causal: changing a later token leaves earlier outputs unchanged', () => {
    const attn = new nn.CausalSelfAttention(D, H, new Rng(3), { dtype: 'float64' });
    const x = makeInput(4);
    const changed = x.toNumbers();
    for (let c = 0; c < D; c++) changed[2 * D + c] = changed[2 * D + c]! + 5; // batch 0, position 2
    const a = attn.forward(x).toNumbers();
    const b = attn.forward(tensor(changed, [B, L, D], { dtype: 'float64' })).toNumbers();
    expect(b.slice(0, 2 * D)).toEqual(a.slice(0, 2 * D));
    expect(b.slice(2 * D, 3 * D)).not.toEqual(a.slice(2 * D, 3 * D));
    expect(b.slice(L * D)).toEqual(a.slice(L * D)); // the other sequence
  });

  it('has correct gradients for the input and all projections (finite differences)', () => {
    const attn = new nn.CausalSelfAttention(4, 2, new Rng(5), { dtype: 'float64' });
    const x = makeInput(6, [2, 3, 4]).setRequiresGrad();
    const result = gradcheckModule(attn, [x], (input) => attn.forward(input));
    expect(result.failures).toEqual([]);
    expect(result.checked).toBe(24 + 4 * 20);
  });

  it('shows the hook the raw scaled scores, future entries included, and masks after a logits hook', () => {
    let seen: number[] = [];
    const double = (s: Tensor): Tensor => { seen = s.toNumbers(); return mul(s, 2); };
    const attn = new nn.CausalSelfAttention(D, H, new Rng(7), { dtype: 'float64', scoresHook: double });
    const x = makeInput(8);
    const out = attn.forward(x).toNumbers();
    const raw: number[][][][] = [];
    const expected = referenceAttention(x.toNumbers(), B, L, D, H, attentionValues(attn), (s, b, h) => {
      ((raw[b] ??= [])[h] = s);
      return s.map((row) => row.map((v) => 2 * v));
    });
    const rawFlat = raw.flat(3);
    expect(seen.length).toBe(B * H * L * L);
    seen.forEach((v, i) => expect(v).toBeCloseTo(rawFlat[i]!, 12));
    expect(seen[1]).not.toBe(0); // (b0, h0, i=0, j=1) is a future entry, still unmasked
    out.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });

  it("uses a 'probabilities' hook's output as the attention weights as is", () => {
    const hooked = new nn.CausalSelfAttention(D, H, new Rng(9), {
      dtype: 'float64', scoresHookReturns: 'probabilities', scoresHook: (s) => softmax(tril(s, 0, nn.CAUSAL_MASK_VALUE), -1),
    });
    // Same seed, same initialisation: the hook reproducing mask + softmax gives the plain layer's output.
    const x = makeInput(10);
    expect(hooked.forward(x).toNumbers()).toEqual(new nn.CausalSelfAttention(D, H, new Rng(9), { dtype: 'float64' }).forward(x).toNumbers());
    // A hook returning uniform causal weights makes each output the running mean of the values.
    const uniform = new nn.CausalSelfAttention(D, H, new Rng(11), {
      dtype: 'float64', scoresHookReturns: 'probabilities',
      scoresHook: (s) => tensor(Array.from({ length: s.size }, (_, n) => {
        const i = Math.floor(n / L) % L;
        const j = n % L;
        return j <= i ? 1 / (i + 1) : 0;
      }), s.shape, { dtype: 'float64' }),
    });
    const values = attentionValues(uniform);
    const expected = referenceAttention(x.toNumbers(), B, L, D, H, values, (s) => s.map((row) => row.map(() => 0)));
    uniform.forward(x).toNumbers().forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });

  it('registers a module hook, so its parameters train and checkpoint (finite differences)', () => {
    const hook = new HeadScale(2);
    const attn = new nn.CausalSelfAttention(4, 2, new Rng(12), { dtype: 'float64', scoresHook: hook });
    expect(attn.namedParameters().map(([n]) => n)).toContain('scoresHook.scale');
    randomizeParameters(attn, 3);
    const x = makeInput(13, [1, 3, 4]).setRequiresGrad();
    const result = gradcheckModule(attn, [x], (input) => attn.forward(input));
    expect(result.failures).toEqual([]);
    expect(result.checked).toBe(12 + 4 * 20 + 2);
    const scale = hook.scale.toNumbers();
    const expected = referenceAttention(x.toNumbers(), 1, 3, 4, 2, attentionValues(attn), (s, _b, h) => s.map((row) => row.map((v) => v * scale[h]!)));
    attn.forward(x).toNumbers().forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });

  it('rejects bad head counts, inputs and hook modes with messages naming them', () => {
    expect(() => new nn.CausalSelfAttention(6, 4, new Rng(1))).toThrow(/dModel=6 must be divisible by numHeads=4/);
    const attn = new nn.CausalSelfAttention(4, 2, new Rng(1));
    expect(() => attn.forward(tensor([[1, 2, 3, 4]]))).toThrow(/must be \(B, L, 4\)/);
    // @ts-expect-error: the mode is checked at run time too
    expect(() => new nn.CausalSelfAttention(4, 2, new Rng(1), { scoresHookReturns: 'probs' })).toThrow(/'logits' or 'probabilities'/);
    expect(() => new nn.CausalSelfAttention(4, 2, new Rng(1), { attentionDropout: 0.1 })).toThrow(/needs a dropoutRandom/);
  });
});
