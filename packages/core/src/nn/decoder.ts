import { Module } from './module.js';
import { Linear } from './linear.js';
import { LayerNorm } from './layer-norm.js';
import { Dropout, type UniformSource } from './dropout.js';
import { CausalSelfAttention, initOnly, type ScoresHook } from './attention.js';
import type { InitOptions } from './init.js';
import type { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { add, mul, relu, tanh } from '../ops/elementwise.js';
import { reshape } from '../ops/views.js';

/** GELU, tanh approximation (PyTorch approximate='tanh'): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
export function geluTanh(x: Tensor): Tensor {
  const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(mul(x, 0.5), add(tanh(inner), 1));
}

export type Activation = 'relu' | 'gelu';

export interface DecoderBlockOptions extends InitOptions {
  readonly numHeads: number;
  /** Hidden width of the MLP; default 4 * dModel. */
  readonly ffDim?: number;
  readonly activation?: Activation;
  /** Dropout on the two residual branches and the attention weights; default 0. */
  readonly dropout?: number;
  readonly dropoutRandom?: UniformSource;
  readonly scoresHook?: ScoresHook;
  readonly scoresHookReturns?: 'logits' | 'probabilities';
}

/** A pre-LN transformer decoder block: x + attn(ln1(x)), then + mlp(ln2(x)). */
export class DecoderBlock extends Module {
  readonly ln1: LayerNorm;
  readonly attn: CausalSelfAttention;
  readonly ln2: LayerNorm;
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly activation: Activation;
  private readonly dropout: Dropout | null;

  constructor(readonly dModel: number, rng: Rng, options: DecoderBlockOptions) {
    super();
    const init = initOnly(options);
    const p = options.dropout ?? 0;
    if (p > 0 && !options.dropoutRandom) throw new Error('DecoderBlock: dropout > 0 needs a dropoutRandom source (e.g. an Rng)');
    const activation = options.activation ?? 'gelu';
    if (activation !== 'relu' && activation !== 'gelu') {
      throw new Error(`DecoderBlock: activation must be 'relu' or 'gelu', got ${JSON.stringify(activation)}`);
    }
    this.activation = activation;
    const ffDim = options.ffDim ?? 4 * dModel;
    this.ln1 = this.registerModule('ln1', new LayerNorm(dModel, init));
    this.attn = this.registerModule('attn', new CausalSelfAttention(dModel, options.numHeads, rng, {
      ...init,
      attentionDropout: p,
      ...(options.dropoutRandom ? { dropoutRandom: options.dropoutRandom } : {}),
      ...(options.scoresHook ? { scoresHook: options.scoresHook } : {}),
      ...(options.scoresHookReturns ? { scoresHookReturns: options.scoresHookReturns } : {}),
    }));
    this.ln2 = this.registerModule('ln2', new LayerNorm(dModel, init));
    this.fc1 = this.registerModule('fc1', new Linear(dModel, ffDim, rng, init));
    this.fc2 = this.registerModule('fc2', new Linear(ffDim, dModel, rng, init));
    this.dropout = p > 0 ? this.registerModule('dropout', new Dropout(p, options.dropoutRandom!)) : null;
  }

  forward(x: Tensor): Tensor {
    const drop = (t: Tensor): Tensor => (this.dropout ? this.dropout.forward(t) : t);
    const h = add(x, drop(this.attn.forward(this.ln1.forward(x))));
    // The MLP on (B * L, D) rows: one tall matrix product each way, also for the weight gradients.
    const rows = reshape(this.ln2.forward(h), [-1, this.dModel]);
    const hidden = this.fc1.forward(rows);
    const activated = this.activation === 'relu' ? relu(hidden) : geluTanh(hidden);
    return add(h, drop(reshape(this.fc2.forward(activated), h.shape)));
  }
}
