import { describe, expect, it } from 'vitest';
import { Rng, add, getDevice, matmul, mean, mul, noGrad, randNormal, relu, sub, tensor, tidy, type Tensor } from '@mta/core';
import '../src/register';

/**
 * A thousand training steps of a small MLP written with raw ops (matmul, add, relu, squared error, manual
 * SGD under noGrad): the loss must fall without NaN, and the cpu device must end with exactly as many
 * live tensors as it started with, with the allocator serving every step from its pool.
 */
describe('memory over a training run', () => {
  it('1000 MLP steps: loss falls, no NaN, no leaked tensor, no fresh allocation after warm-up', () => {
    const cpu = getDevice('cpu');
    const liveAtStart = cpu.memoryStats().liveTensors;
    const rng = new Rng(42);

    // Toy regression: y = sin(x0) + x1 * x2 on 64 fixed points.
    const n = 64;
    const xs = new Float32Array(n * 3), ys = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const [a, b, c] = [rng.uniform() * 4 - 2, rng.uniform() * 2 - 1, rng.uniform() * 2 - 1];
      xs.set([a, b, c], i * 3);
      ys[i] = Math.sin(a) + b * c;
    }
    const x = tensor(xs, [n, 3]), y = tensor(ys, [n, 1]);

    const leaf = (t: Tensor): Tensor => t.keep().setRequiresGrad();
    let params = [
      leaf(randNormal(rng, [3, 16], 0, 0.5)), leaf(tensor(new Float32Array(16), [1, 16])),
      leaf(randNormal(rng, [16, 1], 0, 0.25)), leaf(tensor(new Float32Array(1), [1, 1])),
    ];
    const lr = 0.05;
    const losses: number[] = [];
    let allocationsAfterWarmup = 0;

    for (let step = 0; step < 1000; step++) {
      const loss = tidy(() => {
        const [w1, b1, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
        const hidden = relu(add(matmul(x, w1), b1));
        const diff = sub(add(matmul(hidden, w2), b2), y);
        const l = mean(mul(diff, diff));
        l.backward();
        return l.item();
      });
      losses.push(loss);
      // Manual SGD: new parameters from the old and their gradients, then release the old ones.
      params = params.map((p) => {
        const next = noGrad(() => tidy(() => sub(p, mul(p.grad!, lr))));
        p.grad!.dispose();
        p.dispose();
        return leaf(next);
      });
      if (step === 10) allocationsAfterWarmup = cpu.memoryStats().allocations;
    }

    expect(losses.every(Number.isFinite)).toBe(true);
    expect(params.every((p) => p.toNumbers().every(Number.isFinite))).toBe(true);
    expect(losses[999]!).toBeLessThan(losses[0]! * 0.2);
    // Steady state: every step's buffers came from the pool.
    expect(cpu.memoryStats().allocations).toBe(allocationsAfterWarmup);

    for (const p of params) p.dispose();
    x.dispose();
    y.dispose();
    expect(cpu.memoryStats().liveTensors).toBe(liveAtStart);
  });
});
