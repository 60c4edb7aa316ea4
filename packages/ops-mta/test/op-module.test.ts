import '@mta/ops-mta/register';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, setFallback, softmax, tensor, tril, type FloatDType, type Tensor } from '@mta/core';
import { MASKED_SCORE, multiTokenAttention, MultiTokenAttention, sparsemax, type MtaModuleOptions, type MtaOptions } from '@mta/ops-mta';
import { firstBitDifference, randomValues, relFroFloored } from './support/op-harness';

/**
 * The MultiTokenAttention layer: Liger-Kernel's defaults and initialisation (kaiming-uniform a = sqrt 5, zero
 * bias), its parameters and checkpoints, and the paper's identity initialisation, under which the layer is
 * plain causal attention probabilities (checked against softmax/sparsemax of tril(scores, 0, -1e9) from core ops).
 */
beforeAll(() => setFallback({ strict: true }));

const scoresOf = (seed: number, shape: [number, number, number, number], dtype: FloatDType = 'float32', scale = 2): Tensor =>
  tensor(randomValues(new Rng(seed), shape.reduce((a, b) => a * b, 1), scale), shape, { dtype });

describe('MultiTokenAttention defaults (Liger-Kernel)', () => {
  it('kernel 3, bias, post mode, softmax, padding 0, dilation 1, groups 1: options hold nothing but what was given', () => {
    const layer = new MultiTokenAttention(4, 6, new Rng(1));
    expect(layer.weight.shape).toEqual([6, 4, 3, 3]);
    expect(layer.bias!.shape).toEqual([6]);
    expect(layer.options).toEqual({});
    expect([layer.inChannels, layer.outChannels]).toEqual([4, 6]);
  });

  it('the defaults are exactly the explicit Liger options, and stride 1 keeps the L x L map', () => {
    const layer = new MultiTokenAttention(2, 3, new Rng(2), { kernelSize: 1 });
    const scores = scoresOf(3, [2, 2, 6, 6]);
    const out = layer.forward(scores);
    expect(out.shape).toEqual([2, 3, 6, 6]);
    const explicit = multiTokenAttention(scores, layer.weight, layer.bias, { mode: 'post', sparse: false, padding: 0, dilation: 1, groups: 1 });
    expect(firstBitDifference(out.toArray(), explicit.toArray())).toBeNull();
  });

  it('padding 0 (the Liger default) does not fit a 3x3 kernel: forward says which padding would', () => {
    const layer = new MultiTokenAttention(2, 2, new Rng(4));
    expect(() => layer.forward(scoresOf(5, [1, 2, 8, 8]))).toThrow(/maps the 8x8 map to 6x6.*padding 1 \(symmetric, not causal\) or 'causal'/);
  });

  it('weight: kaiming-uniform(a = sqrt 5), U(-b, b) with b = sqrt(6 / ((1 + 5) fan_in)), fan_in = Cin/groups * kH * kW', () => {
    for (const [cin, cout, groups, k] of [[8, 16, 1, [3, 3]], [8, 8, 2, [2, 5]]] as const) {
      const layer = new MultiTokenAttention(cin, cout, new Rng(10), { kernelSize: k, groups });
      const fanIn = (cin / groups) * k[0] * k[1];
      const bound = Math.sqrt(6 / ((1 + 5) * fanIn));
      const w = Array.from(layer.weight.toArray());
      expect(layer.weight.shape).toEqual([cout, cin / groups, k[0], k[1]]);
      expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
      // Spread over the whole interval: both ends reached, mean |w| near b/2 (uniform), mean near 0.
      expect(Math.max(...w)).toBeGreaterThan(0.95 * bound);
      expect(Math.min(...w)).toBeLessThan(-0.95 * bound);
      const meanAbs = w.reduce((s, v) => s + Math.abs(v), 0) / w.length;
      expect(Math.abs(meanAbs / (bound / 2) - 1)).toBeLessThan(0.1);
      expect(Math.abs(w.reduce((s, v) => s + v, 0) / w.length)).toBeLessThan(0.1 * bound);
    }
  });

  it('initialisation is reproducible from the seed and differs between seeds', () => {
    const a = new MultiTokenAttention(2, 2, new Rng(7)).weight.toArray();
    const b = new MultiTokenAttention(2, 2, new Rng(7)).weight.toArray();
    const c = new MultiTokenAttention(2, 2, new Rng(8)).weight.toArray();
    expect(firstBitDifference(a, b)).toBeNull();
    expect(firstBitDifference(a, c)).not.toBeNull();
  });

  it('bias starts at zero; dtype applies to both parameters; bias: false leaves only the weight', () => {
    const layer = new MultiTokenAttention(2, 4, new Rng(1), { dtype: 'float64' });
    expect(Array.from(layer.bias!.toArray())).toEqual([0, 0, 0, 0]);
    expect([layer.weight.dtype, layer.bias!.dtype]).toEqual(['float64', 'float64']);
    const noBias = new MultiTokenAttention(2, 4, new Rng(1), { bias: false });
    expect(noBias.bias).toBeNull();
    expect(noBias.namedParameters().map(([name]) => name)).toEqual(['weight']);
  });

  it("parameters are named 'weight' and 'bias', require grad, and receive the op's gradients", () => {
    const layer = new MultiTokenAttention(2, 2, new Rng(3), { padding: 'causal', mode: 'pre', kernelSize: [2, 3] });
    expect(layer.namedParameters().map(([name]) => name)).toEqual(['weight', 'bias']);
    expect(layer.parameters().every((p) => p.requiresGrad)).toBe(true);
    const scores = scoresOf(4, [1, 2, 6, 6], 'float32');
    const gradOut = scoresOf(5, [1, 2, 6, 6], 'float32', 1);
    layer.forward(scores).backward(gradOut);
    const weight = layer.weight.detach().setRequiresGrad();
    multiTokenAttention(scores, weight, layer.bias!.detach(), { padding: 'causal', mode: 'pre' }).backward(gradOut);
    expect(firstBitDifference(layer.weight.grad!.toArray(), weight.grad!.toArray())).toBeNull();
    expect(layer.bias!.grad).not.toBeNull();
  });
});

describe('MultiTokenAttention state() / load()', () => {
  it('round-trips through JSON: same parameters, same output bit for bit', () => {
    const options: MtaModuleOptions = { kernelSize: [3, 5], padding: [1, 2], groups: 2 };
    const source = new MultiTokenAttention(4, 4, new Rng(11), options);
    // A non-zero bias, so the round trip of the bias is not trivially zero.
    const state = source.state();
    state.bias!.values = [0.5, -0.25, 1, 2];
    source.load(state);
    const target = new MultiTokenAttention(4, 4, new Rng(12), options);
    expect(firstBitDifference(target.weight.toArray(), source.weight.toArray())).not.toBeNull();
    target.load(JSON.parse(JSON.stringify(source.state())));
    expect(target.state()).toEqual(source.state());
    const scores = scoresOf(13, [1, 4, 9, 9]);
    expect(firstBitDifference(target.forward(scores).toArray(), source.forward(scores).toArray())).toBeNull();
  });

  it('load refuses a checkpoint of another shape or with other names', () => {
    const small = new MultiTokenAttention(2, 2, new Rng(1));
    const wide = new MultiTokenAttention(2, 2, new Rng(1), { kernelSize: [3, 5] });
    expect(() => small.load(wide.state())).toThrow(/'weight' has shape \[2, 2, 3, 5\] in the checkpoint but \[2, 2, 3, 3\]/);
    expect(() => small.load(new MultiTokenAttention(2, 2, new Rng(1), { bias: false }).state())).toThrow(/missing \[bias\]/);
  });
});

/** softmax or sparsemax over keys of the scores with masked (j > i) entries at -1e9: plain causal attention. */
function maskedProbabilities(scores: Tensor, sparse: boolean): Tensor {
  const masked = tril(scores, 0, MASKED_SCORE);
  return sparse ? sparsemax(masked, -1) : softmax(masked, -1);
}

/** Channel c of x repeated so that channel o of the result is channel floor(o * Cin / Cout) of x (Cout a multiple of Cin). */
function spreadChannels(x: Tensor, cout: number): Float64Array {
  const [B, cin, L] = x.shape as [number, number, number];
  const v = x.toArray();
  const out = new Float64Array(B * cout * L * L);
  for (let b = 0; b < B; b++) for (let o = 0; o < cout; o++) {
    const c = Math.floor((o * cin) / cout);
    out.set(v.subarray((b * cin + c) * L * L, (b * cin + c + 1) * L * L), (b * cout + o) * L * L);
  }
  return out;
}

describe("init 'identity' (the paper's): the layer starts as plain causal attention", () => {
  const layouts: readonly { label: string; options: MtaModuleOptions; cin: number; cout: number }[] = [
    { label: "pre, 'causal', 3x3", options: { mode: 'pre', padding: 'causal', kernelSize: 3 }, cin: 2, cout: 2 },
    { label: "pre, 'causal', 2x9 (the paper's kernel), groups 2", options: { mode: 'pre', padding: 'causal', kernelSize: [2, 9], groups: 2 }, cin: 2, cout: 2 },
    { label: "pre, 'causal', 3x3 dilation 2", options: { mode: 'pre', padding: 'causal', kernelSize: 3, dilation: 2 }, cin: 2, cout: 2 },
    { label: "pre, 'causal', 2x2 dilation [2, 1], Cout = 2 Cin", options: { mode: 'pre', padding: 'causal', kernelSize: 2, dilation: [2, 1] }, cin: 2, cout: 4 },
    { label: 'post, padding 1, 3x3', options: { mode: 'post', padding: 1, kernelSize: 3 }, cin: 3, cout: 3 },
    { label: 'post, padding [1, 2], 3x5, depthwise', options: { mode: 'post', padding: [1, 2], kernelSize: [3, 5], groups: 3 }, cin: 3, cout: 3 },
    { label: 'post, padding [2, 2, 2, 2], 3x3 dilation 2, Cout = 2 Cin', options: { mode: 'post', padding: [2, 2, 2, 2], kernelSize: 3, dilation: 2 }, cin: 1, cout: 2 },
  ];
  for (const layout of layouts) {
    for (const sparse of [false, true]) {
      for (const impl of ['fused', 'composite'] as const satisfies readonly MtaOptions['impl'][]) {
        it(`${layout.label}, ${sparse ? 'sparsemax' : 'softmax'}, ${impl}`, () => {
          const layer = new MultiTokenAttention(layout.cin, layout.cout, new Rng(1), { ...layout.options, sparse, init: 'identity', dtype: 'float64' });
          const scores = scoresOf(20, [2, layout.cin, 10, 10], 'float64');
          const got = layer.forward(scores, impl).toArray();
          const expected = spreadChannels(maskedProbabilities(scores, sparse), layout.cout);
          expect(relFroFloored(got, expected, null)).toBeLessThanOrEqual(1e-12);
          // Probabilities: rows sum to one, nothing above the diagonal.
          for (let row = 0; row < got.length / 10; row++) {
            const r = row % 10;
            let sum = 0;
            for (let j = 0; j < 10; j++) {
              sum += got[row * 10 + j]!;
              if (j > r) expect(got[row * 10 + j]).toBe(0);
            }
            expect(Math.abs(sum - 1)).toBeLessThan(1e-12);
          }
        });
      }
    }
  }

  it('the identity kernel has a single 1 per output channel, at the tap that reads offset 0', () => {
    const layer = new MultiTokenAttention(2, 2, new Rng(1), { mode: 'pre', padding: 'causal', kernelSize: [2, 3], init: 'identity' });
    // 'causal' pads 1 row above and 1 column left: the tap (row 1, column 1) reads (i, j) itself.
    expect(Array.from(layer.weight.toArray())).toEqual([0, 0, 0, 0, 1, 0, /* o=0,c=1 */ 0, 0, 0, 0, 0, 0,
      /* o=1,c=0 */ 0, 0, 0, 0, 0, 0, /* o=1,c=1 */ 0, 0, 0, 0, 1, 0]);
  });

  it('a padding with no tap on (i, j) is refused, saying why', () => {
    expect(() => new MultiTokenAttention(1, 1, new Rng(1), { kernelSize: [3, 1], dilation: 2, padding: [1, 3, 0, 0], init: 'identity' }))
      .toThrow(/no identity tap exists for kernel 3x1, dilation 2x2, top pad 1 and left pad 0: .*multiple of dH/);
    // 'causal' splits (kW - 1) * dW = 3 key-axis columns as 1 left + 2 right, and 1 is no multiple of dW = 3.
    expect(() => new MultiTokenAttention(1, 1, new Rng(1), { kernelSize: 2, dilation: [2, 3], padding: 'causal', init: 'identity' }))
      .toThrow(/top pad 2 and left pad 1/);
  });
});
