import { Optimizer, assignInPlace } from './optimizer.js';
import type { Tensor } from '../tensor.js';
import { runOp } from '../dispatch.js';
import { tensor, zerosLike } from '../ops/creation.js';
import { AdamUpdate } from '../ops/optimizer-update.js';

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
    const attrs = { lr, beta1: b1, beta2: b2, eps, correction1: c1, correction2: c2, weightDecay, decoupled };
    for (const p of this.params) {
      if (!p.grad) continue;
      // One op per parameter (a device fuses the step into one kernel); moments start at zero.
      const m0 = this.m.get(p) ?? zerosLike(p);
      const v0 = this.v.get(p) ?? zerosLike(p);
      const [next, m, v] = runOp(AdamUpdate, [p, p.grad, m0, v0], attrs) as [Tensor, Tensor, Tensor];
      m0.dispose();
      v0.dispose();
      this.m.set(p, m.keep());
      this.v.set(p, v.keep());
      assignInPlace(p, next);
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
