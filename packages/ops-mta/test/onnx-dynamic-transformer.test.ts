import '@mta/ops-mta/register';
import { Rng, add, exportOnnx, nn, noGrad, parseOnnxModel, positions, reshape, tensor, tidy, type Tensor } from '@mta/core';
import { MultiTokenAttention } from '@mta/ops-mta';
import { describe, expect, it } from 'vitest';
import { relFro, runOnnx } from './support/ort-node';

/**
 * A small transformer with MTA (token and learned position embeddings, a pre-LN decoder block whose
 * attention scores go through the paper's pre-softmax MTA, LayerNorm, linear head), exported once with
 * batch and sequence length dynamic and run in onnxruntime-node at L = 64, 200 and 1000. Its position ids
 * come from positions(tokens, 1), and its reshapes split B * L back into B and L, so this needs every
 * L-dependent size computed at run time.
 */
const VOCAB = 11;
const WIDTH = 16;
const HEADS = 2;
const MAX_LENGTH = 1024;

class TinyMtaTransformer extends nn.Module {
  readonly tokenEmbedding: nn.Embedding;
  readonly positionEmbedding: nn.Embedding;
  readonly block: nn.DecoderBlock;
  readonly norm: nn.LayerNorm;
  readonly head: nn.Linear;

  constructor(rng: Rng) {
    super();
    this.tokenEmbedding = this.registerModule('tokenEmbedding', new nn.Embedding(VOCAB, WIDTH, rng));
    this.positionEmbedding = this.registerModule('positionEmbedding', new nn.Embedding(MAX_LENGTH, WIDTH, rng));
    const mta = new MultiTokenAttention(HEADS, HEADS, rng, { kernelSize: [2, 3], groups: HEADS, padding: 'causal', mode: 'pre', bias: false });
    this.block = this.registerModule('block', new nn.DecoderBlock(WIDTH, rng, { numHeads: HEADS, ffDim: 32, scoresHook: mta, scoresHookReturns: 'probabilities' }));
    this.norm = this.registerModule('norm', new nn.LayerNorm(WIDTH));
    this.head = this.registerModule('head', new nn.Linear(WIDTH, VOCAB, rng));
  }

  forward(tokens: Tensor): Tensor {
    const ids = reshape(positions(tokens, 1), [1, tokens.shape[1]!]);
    const h = this.block.forward(add(this.tokenEmbedding.forward(tokens), this.positionEmbedding.forward(ids)));
    return this.head.forward(this.norm.forward(h));
  }
}

const tokensOf = (B: number, L: number, seed: number): Int32Array => Int32Array.from({ length: B * L }, (_, i) => (i * 7 + seed) % VOCAB);

describe('a transformer with MTA exported with dynamic batch and sequence length', () => {
  it('runs in onnxruntime-node at L = 64, 200 and 1000 and matches cpu', { timeout: 240_000 }, async () => {
    const model = new TinyMtaTransformer(new Rng(3));
    const example = tensor(tokensOf(2, 10, 1), [2, 10], { dtype: 'int32' });
    const exported = exportOnnx(model, [example], { inputNames: ['tokens'], outputNames: ['logits'], dynamicAxes: { tokens: { 0: 'batch', 1: 'L' } } });
    const summary = parseOnnxModel(exported.bytes);
    expect(summary.inputs[0]).toEqual({ name: 'tokens', elemType: 'int32', dims: ['batch', 'L'] });
    expect(summary.outputs[0]!.dims).toEqual(['batch', 'L', VOCAB]);
    expect(exported.ops.get('MultiTokenAttention')).toBe(1);

    for (const [B, L] of [[2, 64], [1, 200], [1, 1000]] as const) {
      const ids = tokensOf(B, L, L);
      const expected = noGrad(() => tidy(() => model.forward(tensor(ids, [B, L], { dtype: 'int32' })).toArray() as Float32Array));
      const logits = (await runOnnx(exported.bytes, { tokens: { type: 'int32', data: ids, dims: [B, L] } }))['logits']!;
      expect(logits.dims).toEqual([B, L, VOCAB]);
      const error = relFro(logits.data, expected);
      console.log(`[onnx-dynamic-transformer] B = ${B}, L = ${L}: relFro ${error.toExponential(2)}`);
      expect(error, `L = ${L}`).toBeLessThanOrEqual(1e-5);
    }
  });
});
