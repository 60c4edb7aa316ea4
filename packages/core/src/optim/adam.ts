import { Optimizer, assignInPlace } from './optimizer.js';
import type { Tensor } from '../tensor.js';
import { add, div, mul, sqrt, sub } from '../ops/elementwise.js';
import { tensor } from '../ops/creation.js';

export interface AdamOptions {
  readonly lr?: number;
  readonly betas?: readonly [number, number];
  readonly eps?: number;
  /** Decoupled weight decay (AdamW) when `decoupled`, else L2 added to the gradient (Adam). */
  readonly weightDecay?: number;
  readonly decoupled?: boolean;
}

/** Adam and AdamW, bias-corrected, as in PyTorch. */
export class Adam extends Optimizer {
  private readonly m = new Map<Tensor, Tensor>();
  private readonly v = new Map<Tensor, Tensor>();
  private t = 0;

  constructor(params: readonly Tensor[], readonly options: AdamOptions = {}) {
    super(params);
  }

  get stepCount(): number {
    return this.t;
  }

  protected update(): void {
    const { lr = 1e-3, betas: [b1, b2] = [0.9, 0.999], eps = 1e-8, weightDecay = 0, decoupled = false } = this.options;
    this.t++;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (const p of this.params) {
      if (!p.grad) continue;
      const g = weightDecay && !decoupled ? add(p.grad, mul(p, weightDecay)) : p.grad;
      const m0 = this.m.get(p);
      const v0 = this.v.get(p);
      const m = m0 ? add(mul(m0, b1), mul(g, 1 - b1)) : mul(g, 1 - b1);
      const v = v0 ? add(mul(v0, b2), mul(mul(g, g), 1 - b2)) : mul(mul(g, g), 1 - b2);
      m0?.dispose();
      v0?.dispose();
      this.m.set(p, m.keep());
      this.v.set(p, v.keep());
      const stepDir = div(div(m, c1), add(sqrt(div(v, c2)), eps));
      const decayed = weightDecay && decoupled ? mul(p, 1 - lr * weightDecay) : p;
      assignInPlace(p, sub(decayed, mul(stepDir, lr)));
    }
  }

  /** Moment estimates by parameter index, for checkpoints. */
  stateDict(): { t: number; m: number[][]; v: number[][] } {
    return {
      t: this.t,
      m: this.params.map((p) => this.m.get(p)?.toNumbers() ?? []),
      v: this.params.map((p) => this.v.get(p)?.toNumbers() ?? []),
    };
  }

  /** stateDict() through asynchronous reads, for devices that cannot read synchronously (webgpu). */
  async stateDictAsync(): Promise<{ t: number; m: number[][]; v: number[][] }> {
    const read = (moments: Map<Tensor, Tensor>) => Promise.all(this.params.map(async (p) => (await moments.get(p)?.numbers()) ?? []));
    return { t: this.t, m: await read(this.m), v: await read(this.v) };
  }

  /** Restores what stateDict() saved (same parameters in the same order), so a resumed run continues exactly. */
  loadStateDict(state: { t: number; m: readonly (readonly number[])[]; v: readonly (readonly number[])[] }): void {
    if (!Number.isInteger(state.t) || state.t < 0 || state.m.length !== this.params.length || state.v.length !== this.params.length) {
      throw new Error(`Adam.loadStateDict: expected step t >= 0 and moments for ${this.params.length} parameters, ` +
        `got t=${state.t}, ${state.m.length} m and ${state.v.length} v entries; was it saved from the same model?`);
    }
    this.params.forEach((p, i) => {
      for (const [name, moments, values] of [['m', this.m, state.m[i]!], ['v', this.v, state.v[i]!]] as const) {
        moments.get(p)?.dispose();
        moments.delete(p);
        if (values.length === 0) continue;
        if (values.length !== p.size) {
          throw new Error(`Adam.loadStateDict: ${name}[${i}] has ${values.length} values but parameter ${p.describe()} has ${p.size}`);
        }
        moments.set(p, tensor(values, p.shape, { dtype: p.dtype, device: p.device }).keep());
      }
    });
    this.t = state.t;
  }
}

/** AdamW: Adam with decoupled weight decay (default 0.01, as PyTorch). */
export class AdamW extends Adam {
  constructor(params: readonly Tensor[], options: Omit<AdamOptions, 'decoupled'> = {}) {
    super(params, { weightDecay: 0.01, ...options, decoupled: true });
  }
}
