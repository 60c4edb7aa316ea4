/**
 * Rough kernel timings for the cpu device (not a test: run with
 * `pnpm exec tsx packages/device-cpu/test/bench-kernels.ts`). Prints the median of several runs, in
 * process CPU time, which is less disturbed than wall time when the machine is shared.
 */
import '../src/register';
import { Conv2dBackpropFilter, Conv2dBackpropInput, Rng, add, conv2d, matmul, randNormal, runOp1, softmax, sum, tidy, type Tensor } from '@mta/core';

function median(fn: () => void, runs = 15): number {
  for (let i = 0; i < 3; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

const rng = new Rng(1);
const report = (name: string, ms: number, flops?: number): void => {
  console.log(`${name.padEnd(44)} ${ms.toFixed(2).padStart(8)} ms${flops ? `  ${(flops / ms / 1e6).toFixed(2)} GFLOP/s` : ''}`);
};
const time = (fn: () => Tensor): number => median(() => tidy(() => { fn(); }));

for (const dtype of (process.argv[2] === 'f64first' ? ['float64', 'float32'] : ['float32', 'float64']) as ('float32' | 'float64')[]) {
  const a = randNormal(rng, [256, 256], 0, 1, { dtype }), b = randNormal(rng, [256, 256], 0, 1, { dtype });
  report(`matmul 256x256x256 ${dtype}`, time(() => matmul(a, b)), 2 * 256 ** 3);
  const a5 = randNormal(rng, [512, 512], 0, 1, { dtype }), b5 = randNormal(rng, [512, 512], 0, 1, { dtype });
  report(`matmul 512x512x512 ${dtype}`, time(() => matmul(a5, b5)), 2 * 512 ** 3);
  const x = randNormal(rng, [2, 4, 64, 64], 0, 1, { dtype }), w = randNormal(rng, [4, 4, 3, 3], 0, 1, { dtype });
  const attrs = { pads: [1, 1, 1, 1] as const, dilation: [1, 1] as const, groups: 1 };
  const flops = 2 * 2 * 4 * 4 * 9 * 64 * 64;
  report(`conv2d B=2 C=4 64x64 3x3 fwd ${dtype}`, time(() => conv2d(x, w, null, { pads: 1 })), flops);
  const g = conv2d(x, w, null, { pads: 1 });
  report(`conv2d backprop input ${dtype}`, time(() => runOp1(Conv2dBackpropInput, [g, w], { ...attrs, inputShape: x.shape })), flops);
  report(`conv2d backprop filter ${dtype}`, time(() => runOp1(Conv2dBackpropFilter, [x, g], { ...attrs, weightShape: w.shape })), flops);
  const big = randNormal(rng, [1024, 1024], 0, 1, { dtype }), row = randNormal(rng, [1024], 0, 1, { dtype });
  report(`add 1024x1024 + 1024 (broadcast) ${dtype}`, time(() => add(big, row)));
  report(`add 1024x1024 same shape ${dtype}`, time(() => add(big, big)));
  report(`sum axis 0 of 1024x1024 ${dtype}`, time(() => sum(big, 0)));
  report(`softmax rows of 1024x1024 ${dtype}`, time(() => softmax(big)));
}
