import { Rng, matmul, mul, nn, randNormal, softmax, tensor, tidy, exportOnnx, noGrad, initDevice, type Tensor, type DeviceLike } from '@mta/core';
import { MultiTokenAttention } from '@mta/ops-mta';
import type { Results } from './problem';

/**
 * A small seeded transformer-style model with MTA in its attention: linear q/k/v projections, scaled
 * dot-product scores per head, the paper's pre-softmax key-query convolution with causal padding
 * (its own mask and softmax), attention-weighted values, an output projection and a softmax.
 */
export interface TinyModelConfig {
  readonly batch: number;
  readonly length: number;
  readonly dim: number;
  readonly heads: number;
  readonly vocab: number;
  readonly seed: number;
}

/** The tiny model's MTA runs in pre mode: the mode whose bias gradient is zero in exact arithmetic. */
const TINY_MTA_MODE = 'pre' as const;

/**
 * The tiny model's parameter gradients that are zero in exact arithmetic (compare.ts,
 * exactlyZeroGradients): in pre mode the MTA bias shifts whole rows before a shift-invariant
 * normalisation. Two backends' float32 round-off there has no relative agreement to check.
 */
export const TINY_MODEL_EXACT_ZERO: readonly string[] = TINY_MTA_MODE === 'pre' ? ['grad:mta.bias'] : [];

export const TINY_MODEL: TinyModelConfig = { batch: 2, length: 12, dim: 16, heads: 2, vocab: 8, seed: 42 };

export class TinyMtaModel extends nn.Module {
  private readonly q: nn.Linear;
  private readonly k: nn.Linear;
  private readonly v: nn.Linear;
  private readonly o: nn.Linear;
  private readonly mta: MultiTokenAttention;

  constructor(readonly config: TinyModelConfig, device: DeviceLike) {
    super();
    const rng = new Rng(config.seed);
    const d = config.dim;
    this.q = this.registerModule('q', new nn.Linear(d, d, rng, { device }));
    this.k = this.registerModule('k', new nn.Linear(d, d, rng, { device }));
    this.v = this.registerModule('v', new nn.Linear(d, d, rng, { device }));
    this.mta = this.registerModule('mta', new MultiTokenAttention(config.heads, config.heads, rng, {
      mode: TINY_MTA_MODE, padding: 'causal', kernelSize: [2, 3], groups: config.heads, device,
    }));
    this.o = this.registerModule('o', new nn.Linear(d, config.vocab, rng, { device }));
  }

  forward(x: Tensor): Tensor {
    const { batch: B, length: L, dim: D, heads: H } = this.config;
    const dh = D / H;
    const split = (t: Tensor) => t.reshape([B, L, H, dh]).permute([0, 2, 1, 3]);
    const scores = mul(matmul(split(this.q.forward(x)), split(this.k.forward(x)).transpose()), 1 / Math.sqrt(dh));
    const probs = this.mta.forward(scores);
    const context = matmul(probs, split(this.v.forward(x))).permute([0, 2, 1, 3]).reshape([B, L, D]);
    return softmax(this.o.forward(context), -1);
  }
}

export function tinyModelInputs(config: TinyModelConfig): { x: Float32Array; gradOut: Float32Array } {
  const rng = new Rng(config.seed + 1);
  return tidy(() => ({
    x: randNormal(rng, [config.batch, config.length, config.dim]).toArray() as Float32Array,
    gradOut: randNormal(rng, [config.batch, config.length, config.vocab]).toArray() as Float32Array,
  }));
}

/** The tiny model exported to ONNX (input 'x', output 'probs'), built on cpu with the config's seed. */
export function exportTinyModel(config: TinyModelConfig = TINY_MODEL): Uint8Array {
  const { x } = tinyModelInputs(config);
  return tidy(() => {
    const model = new TinyMtaModel(config, 'cpu');
    return noGrad(() => exportOnnx(model, [tensor(x, [config.batch, config.length, config.dim])], { inputNames: ['x'], outputNames: ['probs'] })).bytes;
  });
}

/** Forward and every parameter's gradient of the tiny model on one of the framework's devices (read asynchronously: webgpu has no synchronous reads). */
export async function runTinyModelOnDevice(device: string, config: TinyModelConfig = TINY_MODEL): Promise<Results> {
  const { x, gradOut } = tinyModelInputs(config);
  const xShape = [config.batch, config.length, config.dim];
  await initDevice(device);
  const { out, params } = tidy(() => {
    const model = new TinyMtaModel(config, device);
    const o = model.forward(tensor(x, xShape, { device }));
    o.backward(tensor(gradOut, o.shape, { device }));
    return { out: o, params: model.namedParameters() };
  });
  try {
    const results: Record<string, Float32Array> = { probs: (await out.data()) as Float32Array };
    for (const [name, p] of params) results[`grad:${name}`] = (await p.grad!.data()) as Float32Array;
    return results;
  } finally {
    out.dispose();
    for (const [, p] of params) { p.grad?.dispose(); p.dispose(); }
  }
}
