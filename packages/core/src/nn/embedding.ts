import { Module } from './module.js';
import type { InitOptions } from './init.js';
import type { Rng } from '../random.js';
import { randNormal } from '../random.js';
import type { Tensor } from '../tensor.js';
import { indexSelect } from '../ops/indexing.js';

/** A lookup table (num, dim): int32 ids of any shape S map to rows, giving S x dim. PyTorch's N(0, 1) init. */
export class Embedding extends Module {
  readonly weight: Tensor;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, rng: Rng, options: InitOptions = {}) {
    super();
    for (const [what, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`Embedding: ${what} must be a positive integer, got ${v}`);
    }
    this.weight = this.registerParameter('weight', randNormal(rng, [numEmbeddings, embeddingDim], 0, 1,
      { dtype: options.dtype ?? 'float32', device: options.device ?? 'cpu' }));
  }

  forward(ids: Tensor): Tensor {
    if (ids.dtype !== 'int32') {
      throw new Error(`Embedding(${this.numEmbeddings}, ${this.embeddingDim}): ids must be int32, got ${ids.describe()}; build them with tensor(Int32Array, ...)`);
    }
    return indexSelect(this.weight, ids, 0);
  }
}
