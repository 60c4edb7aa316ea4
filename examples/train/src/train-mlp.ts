import { Rng, nn, optim, relu, mseLoss, tensor, tidy, randUniform, type DeviceLike, type Tensor } from '@mta/core';
import '@mta/device-cpu/register';

/**
 * The smallest end-to-end training run: a two-layer MLP fits y = sin(3 x0) * x1 on [-1, 1]^2 with Adam.
 * Everything is seeded, so two runs with the same seed give the same losses bit for bit.
 */
export interface MlpOptions {
  readonly seed?: number;
  readonly steps?: number;
  readonly hidden?: number;
  readonly batch?: number;
  readonly lr?: number;
  readonly device?: DeviceLike;
}

export class Mlp extends nn.Module {
  readonly l1: nn.Linear;
  readonly l2: nn.Linear;

  constructor(hidden: number, rng: Rng, device: DeviceLike) {
    super();
    this.l1 = this.registerModule('l1', new nn.Linear(2, hidden, rng, { device }));
    this.l2 = this.registerModule('l2', new nn.Linear(hidden, 1, rng, { device }));
  }

  forward(x: Tensor): Tensor {
    return this.l2.forward(relu(this.l1.forward(x)));
  }
}

function batchOf(rng: Rng, n: number, device: DeviceLike): { x: Tensor; y: Tensor } {
  const x = randUniform(rng, [n, 2], -1, 1, { device });
  const xs = x.toArray();
  const ys = new Float32Array(n);
  for (let i = 0; i < n; i++) ys[i] = Math.sin(3 * xs[2 * i]!) * xs[2 * i + 1]!;
  return { x, y: tensor(ys, [n, 1], { device }) };
}

/** Trains and returns the loss of every step. */
export function trainMlp(options: MlpOptions = {}): number[] {
  const { seed = 0, steps = 300, hidden = 32, batch = 64, lr = 0.01, device = 'cpu' } = options;
  const rng = new Rng(seed);
  const model = new Mlp(hidden, rng, device);
  const opt = new optim.Adam(model.parameters(), { lr });
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    tidy(() => {
      const { x, y } = batchOf(rng, batch, device);
      const loss = mseLoss(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      losses.push(loss.item());
    });
  }
  return losses;
}
