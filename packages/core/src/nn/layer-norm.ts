import { Module } from './module.js';
import type { InitOptions } from './init.js';
import type { Tensor } from '../tensor.js';
import { full } from '../ops/creation.js';
import { add, mul, sqrt, sub, div } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';

export interface LayerNormOptions extends InitOptions {
  readonly eps?: number;
  /** Learn a per-feature scale (init 1) and shift (init 0); default true. */
  readonly elementwiseAffine?: boolean;
}

/**
 * Normalises the last axis to zero mean and unit (biased) variance, then scales and shifts. Written as a
 * composite of primitives, so every device and the ONNX tracer get it for free.
 */
export function layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps = 1e-5): Tensor {
  const centered = sub(x, mean(x, -1, true));
  const variance = mean(mul(centered, centered), -1, true);
  let y = div(centered, sqrt(add(variance, eps)));
  if (weight) y = mul(y, weight);
  if (bias) y = add(y, bias);
  return y;
}

export class LayerNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;

  constructor(readonly normalizedSize: number, options: LayerNormOptions = {}) {
    super();
    if (!Number.isInteger(normalizedSize) || normalizedSize < 1) {
      throw new Error(`LayerNorm: normalizedSize must be a positive integer, got ${normalizedSize}`);
    }
    this.eps = options.eps ?? 1e-5;
    const create = { dtype: options.dtype ?? 'float32', device: options.device ?? 'cpu' } as const;
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? this.registerParameter('weight', full([normalizedSize], 1, create)) : null;
    this.bias = affine ? this.registerParameter('bias', full([normalizedSize], 0, create)) : null;
  }

  forward(x: Tensor): Tensor {
    if (x.shape[x.ndim - 1] !== this.normalizedSize) {
      throw new Error(`LayerNorm(${this.normalizedSize}): input ${x.describe()} must end in ${this.normalizedSize} features`);
    }
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}
