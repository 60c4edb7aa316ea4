import { add, nn, positions, reshape, slice, type DeviceLike, type Rng, type Tensor } from '@mta/core';
import { MultiTokenAttention as MultiTokenAttentionLayer } from '@mta/ops-mta';

/**
 * The two models of the experiment, identical except for attention: a pre-LN decoder-only transformer
 * (token + learned position embeddings, L decoder blocks, final LayerNorm, linear head), and the same with
 * multi-token attention in the attention scores of the chosen layers.
 */
export type ModelKind = 'baseline' | 'mta';

export interface MtaSettings {
  /** 'pre': the paper's key-query convolution before the softmax; 'post': Liger-Kernel's, after it. */
  readonly mode: 'pre' | 'post';
  /** [queries, keys]; the paper's choice for blocks of N letters is [2, 2N - 1]. */
  readonly kernel: readonly [number, number];
  /** Decoder layers (0-based) that get MTA. */
  readonly layers: readonly number[];
}

export interface ModelConfig {
  readonly kind: ModelKind;
  readonly vocabSize: number;
  readonly maxLength: number;
  readonly width: number;
  readonly heads: number;
  readonly layers: number;
  readonly ffDim: number;
  readonly activation: nn.Activation;
  readonly dropout: number;
  /** Used when kind is 'mta'. */
  readonly mta: MtaSettings;
}

export function validateModelConfig(c: ModelConfig): void {
  const positive = (what: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`model: ${what} must be a positive integer, got ${v}`);
  };
  positive('vocabSize', c.vocabSize); positive('maxLength', c.maxLength); positive('width', c.width);
  positive('heads', c.heads); positive('layers', c.layers); positive('ffDim', c.ffDim);
  if (c.width % c.heads !== 0) throw new Error(`model: width=${c.width} must be divisible by heads=${c.heads}`);
  if (c.kind !== 'baseline' && c.kind !== 'mta') throw new Error(`model: kind must be 'baseline' or 'mta', got ${JSON.stringify(c.kind)}`);
  if (c.kind === 'mta') {
    const [kq, kk] = c.mta.kernel;
    positive('MTA kernel queries', kq); positive('MTA kernel keys', kk);
    if (c.mta.mode !== 'pre' && c.mta.mode !== 'post') throw new Error(`model: MTA mode must be 'pre' or 'post', got ${JSON.stringify(c.mta.mode)}`);
    const bad = c.mta.layers.filter((l) => !Number.isInteger(l) || l < 0 || l >= c.layers);
    if (bad.length || c.mta.layers.length === 0) {
      throw new Error(`model: MTA layers must be a non-empty list of layer indices in [0, ${c.layers - 1}], got [${c.mta.layers.join(', ')}]`);
    }
  }
}

export class ToyTransformer extends nn.Module {
  readonly tokenEmbedding: nn.Embedding;
  readonly positionEmbedding: nn.Embedding;
  readonly blocks: nn.DecoderBlock[];
  readonly finalNorm: nn.LayerNorm;
  readonly head: nn.Linear;
  private readonly device: DeviceLike;

  constructor(readonly config: ModelConfig, rng: Rng, options: { device?: DeviceLike; dropoutRandom?: nn.UniformSource } = {}) {
    super();
    validateModelConfig(config);
    this.device = options.device ?? 'cpu';
    const init = { device: this.device };
    this.tokenEmbedding = this.registerModule('tokenEmbedding', new nn.Embedding(config.vocabSize, config.width, rng, init));
    this.positionEmbedding = this.registerModule('positionEmbedding', new nn.Embedding(config.maxLength, config.width, rng, init));
    if (config.dropout > 0 && !options.dropoutRandom) throw new Error('ToyTransformer: dropout > 0 needs a dropoutRandom source');
    this.blocks = Array.from({ length: config.layers }, (_, i) => {
      const mta = config.kind === 'mta' && config.mta.layers.includes(i);
      return this.registerModule(`blocks.${i}`, new nn.DecoderBlock(config.width, rng, {
        ...init,
        numHeads: config.heads,
        ffDim: config.ffDim,
        activation: config.activation,
        dropout: config.dropout,
        ...(options.dropoutRandom ? { dropoutRandom: options.dropoutRandom } : {}),
        ...(mta ? { scoresHook: mtaHook(config, rng, this.device), scoresHookReturns: 'probabilities' as const } : {}),
      }));
    });
    this.finalNorm = this.registerModule('finalNorm', new nn.LayerNorm(config.width, init));
    this.head = this.registerModule('head', new nn.Linear(config.width, config.vocabSize, rng, init));
  }

  /** Hidden states (B, L, width) of tokens (B, L) int32. */
  hidden(tokens: Tensor): Tensor {
    const [, length] = tokens.shape as [number, number];
    if (tokens.ndim !== 2 || length > this.config.maxLength) {
      throw new Error(`ToyTransformer: tokens must be (B, L) with L <= maxLength=${this.config.maxLength}, got ${tokens.describe()}`);
    }
    // positions(), not arange(L): the exported graph then takes the length from the tokens (dynamic L).
    const ids = reshape(positions(tokens, 1), [1, length]);
    let h = add(this.tokenEmbedding.forward(tokens), this.positionEmbedding.forward(ids));
    for (const block of this.blocks) h = block.forward(h);
    return h;
  }

  /** Logits (B, count, vocab) at positions [start, start + count): only where the loss is taken. */
  logitsAt(tokens: Tensor, start: number, count: number): Tensor {
    const h = this.hidden(tokens);
    const picked = slice(h, [0, start], [h.shape[0], start + count]);
    return this.head.forward(this.finalNorm.forward(picked));
  }

  /** Logits at every position (B, L, vocab): what an exported model returns. */
  forward(tokens: Tensor): Tensor {
    return this.head.forward(this.finalNorm.forward(this.hidden(tokens)));
  }
}

/**
 * The paper's MTA for this task: a depthwise (one kernel per head) key-query convolution over the score
 * map, causal on the query axis, initialised to the identity so training starts from plain attention.
 * Pre-softmax MTA returns the softmax itself; post-softmax MTA returns the convolved weights. Either way
 * the attention layer gets final weights ('probabilities').
 */
function mtaHook(config: ModelConfig, rng: Rng, device: DeviceLike): MultiTokenAttentionLayer {
  return new MultiTokenAttentionLayer(config.heads, config.heads, rng, {
    kernelSize: [config.mta.kernel[0], config.mta.kernel[1]],
    groups: config.heads,
    padding: 'causal',
    mode: config.mta.mode,
    init: 'identity',
    // Before a softmax a per-head constant cancels out; after it, a bias can shift the weights.
    bias: config.mta.mode === 'post',
    device,
    dtype: 'float32',
  });
}

export function countParameters(model: nn.Module): number {
  return model.parameters().reduce((n, p) => n + p.size, 0);
}
