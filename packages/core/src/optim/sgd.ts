import { Optimizer, assignInPlace } from './optimizer.js';
import type { Tensor } from '../tensor.js';
import { add, mul, sub } from '../ops/elementwise.js';

export interface SgdOptions { readonly lr: number; readonly momentum?: number; readonly weightDecay?: number }

/** SGD with optional momentum (PyTorch's formulation: v = mu v + g; p -= lr v). */
export class SGD extends Optimizer {
  private readonly velocity = new Map<Tensor, Tensor>();

  constructor(params: readonly Tensor[], readonly options: SgdOptions) {
    super(params);
  }

  protected update(): void {
    const { lr, momentum = 0, weightDecay = 0 } = this.options;
    for (const p of this.params) {
      if (!p.grad) continue;
      let g = weightDecay ? add(p.grad, mul(p, weightDecay)) : p.grad;
      if (momentum) {
        const v = this.velocity.get(p);
        const next = v ? add(mul(v, momentum), g) : mul(g, 1);
        v?.dispose();
        this.velocity.set(p, next.keep());
        g = next;
      }
      assignInPlace(p, sub(p, mul(g, lr)));
    }
  }
}
