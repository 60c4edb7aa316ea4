import { Module } from './module.js';
import type { Tensor } from '../tensor.js';
import { tensor } from '../ops/creation.js';
import { mul } from '../ops/elementwise.js';

/** Anything with uniform() in [0, 1): an Rng, or a wrapper a trainer reseeds per step for exact resumes. */
export interface UniformSource {
  uniform(): number;
}

/**
 * Inverted dropout: in training, zeroes each element with probability p and scales the survivors by
 * 1 / (1 - p), so eval (the identity) needs no rescaling. The mask is drawn on the host from a seeded
 * source, so runs repeat exactly on every device.
 */
export class Dropout extends Module {
  constructor(readonly p: number, readonly random: UniformSource) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const keep = 1 - this.p;
    const mask = new Float64Array(x.size);
    for (let i = 0; i < mask.length; i++) mask[i] = this.random.uniform() < keep ? 1 / keep : 0;
    return mul(x, tensor(mask, x.shape, { dtype: x.dtype, device: x.device }));
  }
}
