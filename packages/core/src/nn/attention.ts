import { Module } from './module.js';
import { Linear } from './linear.js';
import { Dropout, type UniformSource } from './dropout.js';
import type { InitOptions } from './init.js';
import type { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { matmul } from '../ops/matmul.js';
import { mul } from '../ops/elementwise.js';
import { softmax } from '../ops/softmax.js';
import { tril } from '../ops/masks.js';
import { permute, reshape, transpose } from '../ops/views.js';

/** The value written into future (j > i) scores before the softmax: finite, so 0 * mask never makes NaN. */
export const CAUSAL_MASK_VALUE = -1e9;

/** A module that rewrites attention scores; registered as a child, so its parameters train and checkpoint. */
export interface ScoresHookModule extends Module {
  forward(scores: Tensor): Tensor;
}

/** Receives the raw, unmasked scores (B, H, L, L): query i on rows, key j on columns. */
export type ScoresHook = ((scores: Tensor) => Tensor) | ScoresHookModule;

export interface CausalSelfAttentionOptions extends InitOptions {
  /** Bias in the q/k/v/o projections; default true. */
  readonly bias?: boolean;
  /** Dropout on the attention weights (needs `dropoutRandom` when > 0); default 0. */
  readonly attentionDropout?: number;
  readonly dropoutRandom?: UniformSource;
  readonly scoresHook?: ScoresHook;
  /**
   * What the hook returns. 'logits' (default): new scores, which this layer then masks causally and
   * softmaxes. 'probabilities': the final attention weights (B, H, L, L); the hook owns masking and
   * normalisation (a pre-softmax convolution returns its own softmax, a post-softmax one its convolved weights).
   */
  readonly scoresHookReturns?: 'logits' | 'probabilities';
}

/**
 * Multi-head causal self-attention on (B, L, D): scores = q k^T / sqrt(D / H), future masked, softmax,
 * weighted sum of values, output projection. The scores hook is where multi-token attention plugs in.
 */
export class CausalSelfAttention extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  readonly headDim: number;
  private readonly hook: ((scores: Tensor) => Tensor) | null;
  private readonly hookReturns: 'logits' | 'probabilities';
  private readonly dropout: Dropout | null;

  constructor(readonly dModel: number, readonly numHeads: number, rng: Rng, options: CausalSelfAttentionOptions = {}) {
    super();
    if (!Number.isInteger(numHeads) || numHeads < 1 || dModel % numHeads !== 0) {
      throw new Error(`CausalSelfAttention: dModel=${dModel} must be divisible by numHeads=${numHeads}`);
    }
    this.headDim = dModel / numHeads;
    const linear = { bias: options.bias ?? true, ...initOnly(options) };
    this.q = this.registerModule('q', new Linear(dModel, dModel, rng, linear));
    this.k = this.registerModule('k', new Linear(dModel, dModel, rng, linear));
    this.v = this.registerModule('v', new Linear(dModel, dModel, rng, linear));
    this.o = this.registerModule('o', new Linear(dModel, dModel, rng, linear));
    const hook = options.scoresHook;
    if (hook instanceof Module) {
      const registered = this.registerModule('scoresHook', hook);
      this.hook = (s) => registered.forward(s);
    } else {
      this.hook = hook ?? null;
    }
    const returns = options.scoresHookReturns ?? 'logits';
    if (returns !== 'logits' && returns !== 'probabilities') {
      throw new Error(`CausalSelfAttention: scoresHookReturns must be 'logits' or 'probabilities', got ${JSON.stringify(returns)}`);
    }
    this.hookReturns = returns;
    const p = options.attentionDropout ?? 0;
    if (p > 0 && !options.dropoutRandom) {
      throw new Error('CausalSelfAttention: attentionDropout > 0 needs a dropoutRandom source (e.g. an Rng)');
    }
    this.dropout = p > 0 ? this.registerModule('dropout', new Dropout(p, options.dropoutRandom!)) : null;
  }

  /** Attention weights (B, H, L, L) of x (B, L, D): what each query reads from each key. */
  attentionWeights(x: Tensor): { weights: Tensor; values: Tensor } {
    this.checkInput(x);
    const [b, l] = x.shape as [number, number, number];
    // Projections on (B * L, D) rows: one tall matrix product each way, also for the weight gradient.
    const rows = reshape(x, [b * l, this.dModel]);
    // (B * L, D) -> (B, H, L, headDim)
    const heads = (t: Tensor): Tensor => permute(reshape(t, [b, l, this.numHeads, this.headDim]), [0, 2, 1, 3]);
    const q = heads(this.q.forward(rows));
    const k = heads(this.k.forward(rows));
    const v = heads(this.v.forward(rows));
    let scores = mul(matmul(q, transpose(k)), 1 / Math.sqrt(this.headDim));
    if (this.hook) {
      scores = this.hook(scores);
      if (this.hookReturns === 'probabilities') return { weights: scores, values: v };
    }
    return { weights: softmax(tril(scores, 0, CAUSAL_MASK_VALUE), -1), values: v };
  }

  forward(x: Tensor): Tensor {
    const [b, l] = x.shape as [number, number, number];
    const { weights, values } = this.attentionWeights(x);
    const attended = matmul(this.dropout ? this.dropout.forward(weights) : weights, values);
    return reshape(this.o.forward(reshape(permute(attended, [0, 2, 1, 3]), [b * l, this.dModel])), [b, l, this.dModel]);
  }

  private checkInput(x: Tensor): void {
    if (x.ndim !== 3 || x.shape[2] !== this.dModel) {
      throw new Error(`CausalSelfAttention(dModel=${this.dModel}): input must be (B, L, ${this.dModel}), got ${x.describe()}`);
    }
  }
}

/** Only the defined init keys: a `dtype: undefined` would override the float32 default downstream. */
export function initOnly(options: InitOptions): InitOptions {
  return {
    ...(options.dtype !== undefined ? { dtype: options.dtype } : {}),
    ...(options.device !== undefined ? { device: options.device } : {}),
  };
}
