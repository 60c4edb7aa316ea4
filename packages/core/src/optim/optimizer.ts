import { noGrad } from '../tape.js';
import { tidy } from '../scope.js';
import { writeTensor, type Tensor } from '../tensor.js';

/**
 * Optimizers update parameters in place, with device ops under noGrad, so parameters stay the same
 * tensor objects (modules and checkpoints keep pointing at them) on whatever device they live.
 */
export abstract class Optimizer {
  constructor(readonly params: readonly Tensor[]) {
    params.forEach((p, i) => {
      if (!p.requiresGrad) throw new Error(`optimizer: parameter ${i} ${p.describe()} does not require grad`);
      if (!p.isContiguous) throw new Error(`optimizer: parameter ${i} ${p.describe()} must be contiguous`);
    });
  }

  step(): void {
    noGrad(() => tidy(() => { this.update(); }));
  }

  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  protected abstract update(): void;
}

/** Writes `value` into `target`'s storage (same shape, dtype and device). */
export function assignInPlace(target: Tensor, value: Tensor): void {
  writeTensor(target, value.toArray());
}
