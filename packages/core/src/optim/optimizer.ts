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

/**
 * Writes `value` into `target`'s storage (same shape, dtype and device). A device that copies within its
 * own memory does it there (GPU memory has no synchronous read to go through the host with).
 */
export function assignInPlace(target: Tensor, value: Tensor): void {
  const memory = target.device.memory;
  if (memory.copy && value.device === target.device && value.isContiguous && target.isContiguous && value.dtype === target.dtype && value.size === target.size) {
    memory.copy(value.storage.buffer, value.offset, target.storage.buffer, target.offset, target.size);
    return;
  }
  writeTensor(target, value.toArray());
}
