import { Module } from './module.js';
import { fanInUniform, kaimingUniform, type InitOptions } from './init.js';
import type { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { add } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { transpose } from '../ops/views.js';

/** y = x W^T + b over the last axis, PyTorch's layout and initialisation. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, rng: Rng, options: InitOptions & { bias?: boolean } = {}) {
    super();
    this.weight = this.registerParameter('weight', kaimingUniform(rng, [outFeatures, inFeatures], Math.sqrt(5), options));
    this.bias = options.bias === false ? null : this.registerParameter('bias', fanInUniform(rng, [outFeatures], inFeatures, options));
  }

  forward(x: Tensor): Tensor {
    if (x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new Error(`Linear(${this.inFeatures} -> ${this.outFeatures}): input ${x.describe()} must end in ${this.inFeatures} features`);
    }
    const y = matmul(x.ndim === 1 ? x.reshape([1, this.inFeatures]) : x, transpose(this.weight));
    return this.bias ? add(y, this.bias) : y;
  }
}
