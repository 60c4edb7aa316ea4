import type { AnyOpDef } from '../op.js';
import type { Tensor } from '../tensor.js';
import { registerDevice } from '../device.js';
import { Rng } from '../random.js';
import { tensor } from '../ops/creation.js';
import {
  Abs, Add, Cast, Div, Exp, Log, Maximum, Minimum, Mul, Neg, Pow, Relu, Sigmoid, Sqrt, Sub, Tanh, Where,
  abs, add, cast, div, exp, log, maximum, minimum, mul, neg, pow, relu, sigmoid, sqrt, sub, tanh, where,
} from '../ops/elementwise.js';
import { Max, Sum, max, mean, sum } from '../ops/reduce.js';
import { MatMul, matmul } from '../ops/matmul.js';
import { LogSoftmax, Softmax, logSoftmax, softmax } from '../ops/softmax.js';
import { BandMask, tril, triu } from '../ops/masks.js';
import { Conv2d, conv2d } from '../ops/conv.js';
import { IndexSelect, indexSelect } from '../ops/indexing.js';
import { Pad, pad } from '../ops/pad.js';
import { Concat, concat } from '../ops/concat.js';
import { Contiguous } from '../ops/contiguous-op.js';
import { Expand, Permute, Reshape, Slice, contiguous, expand, permute, reshape, slice } from '../ops/views.js';
import { crossEntropy, mseLoss } from '../ops/loss.js';
import { ToDevice } from '../transfer.js';
import type { GradcheckOptions } from './gradcheck.js';
import { randomValues, type ValueRange } from './op-suite-support.js';

/**
 * Gradient cases of the shared op suite: float64 central differences (gradcheck) for every
 * differentiable forward op. Each case names the op it exists for; the runner checks the case really
 * dispatches that op (and its named backward ops), and that every differentiable op has a case.
 */
export class GradInputs {
  constructor(readonly device: string, readonly rng: Rng) {}

  /** A float64 leaf that requires grad. */
  float(shape: readonly number[], range: ValueRange = {}): Tensor {
    const values = randomValues(this.rng, shape.reduce((n, d) => n * d, 1), 'float64', range);
    return tensor(values, shape, { dtype: 'float64', device: this.device, requiresGrad: true });
  }

  int(shape: readonly number[], values: readonly number[]): Tensor {
    return tensor(values, shape, { dtype: 'int32', device: this.device });
  }

  bool(shape: readonly number[], values: readonly number[]): Tensor {
    return tensor(values, shape, { dtype: 'bool', device: this.device });
  }
}

export interface GradCase {
  /** The op this case exists for; it must be dispatched by `fn`. */
  readonly op: AnyOpDef;
  readonly name: string;
  readonly inputs: (make: GradInputs) => Tensor[];
  readonly fn: (...inputs: Tensor[]) => Tensor;
  readonly options?: GradcheckOptions;
  /** Prepares what the case needs on the device under test (e.g. a second device); returns a disposer. */
  readonly setup?: (device: string) => () => void;
}

const cases: GradCase[] = [];
const gradCase = (c: GradCase): void => { cases.push(c); };

// Binary ops, each with one-sided and two-sided broadcasting (gradients must sum back to each shape).
const BINARY_GRADS = [
  { op: Add, fn: add, a: {}, b: {} },
  { op: Sub, fn: sub, a: {}, b: {} },
  { op: Mul, fn: mul, a: {}, b: {} },
  { op: Div, fn: div, a: {}, b: { awayFromZero: 0.5 } },
  { op: Pow, fn: pow, a: { lo: 0.5, hi: 2 }, b: { lo: -1.5, hi: 1.5 } },
  { op: Maximum, fn: maximum, a: {}, b: {} },
  { op: Minimum, fn: minimum, a: {}, b: {} },
] as const satisfies readonly { op: AnyOpDef; fn: (a: Tensor, b: Tensor) => Tensor; a: ValueRange; b: ValueRange }[];

for (const { op, fn, a, b } of BINARY_GRADS) {
  gradCase({ op, name: '[2,3] with [3]', inputs: (m) => [m.float([2, 3], a), m.float([3], b)], fn });
  gradCase({ op, name: '[3,1] with [1,2], and a 0-d operand', inputs: (m) => [m.float([3, 1], a), m.float([1, 2], b), m.float([], b)], fn: (x, y, s) => fn(fn(x, y), s) });
  gradCase({ op, name: 'permuted operand', inputs: (m) => [m.float([3, 2], a), m.float([2, 3], b)], fn: (x, y) => fn(permute(x, [1, 0]), y) });
}

const UNARY_GRADS = [
  { op: Neg, fn: neg, range: {} },
  { op: Exp, fn: exp, range: { lo: -2, hi: 2 } },
  { op: Log, fn: log, range: { lo: 0.2, hi: 3 } },
  { op: Sqrt, fn: sqrt, range: { lo: 0.2, hi: 3 } },
  { op: Abs, fn: abs, range: { awayFromZero: 0.1 } },
  { op: Tanh, fn: tanh, range: {} },
  { op: Sigmoid, fn: sigmoid, range: { lo: -4, hi: 4 } },
  { op: Relu, fn: relu, range: { awayFromZero: 0.1 } },
] as const satisfies readonly { op: AnyOpDef; fn: (x: Tensor) => Tensor; range: ValueRange }[];

for (const { op, fn, range } of UNARY_GRADS) {
  gradCase({ op, name: '[2,3] and a sliced view', inputs: (m) => [m.float([2, 3], range), m.float([3, 4], range)], fn: (x, y) => add(fn(x), sum(fn(slice(y, [1, 1], [3, 4])), 0)) });
}

gradCase({
  op: Where, name: 'condition [2,1], a [2,3], b [3]',
  inputs: (m) => [m.bool([2, 1], [1, 0]), m.float([2, 3]), m.float([3])],
  fn: (c, a, b) => where(c, a, b),
});
gradCase({
  op: Cast, name: 'float64 -> float32 -> float64 (identity up to float32 rounding)',
  inputs: (m) => [m.float([2, 3])],
  fn: (x) => cast(cast(x, 'float32'), 'float64'),
  // Float32 rounding (~1e-7) divided by 2 eps must stay well under the tolerance.
  options: { eps: 1e-2, atol: 1e-4, rtol: 1e-3 },
});

gradCase({ op: Sum, name: 'axis 1', inputs: (m) => [m.float([2, 3, 4])], fn: (x) => sum(x, 1) });
gradCase({ op: Sum, name: 'axes [0,2] keepDims, and all axes', inputs: (m) => [m.float([2, 3, 4])], fn: (x) => add(sum(x, [0, 2], true), sum(x)) });
gradCase({ op: Sum, name: 'mean over axis 0 of a permuted view', inputs: (m) => [m.float([3, 2])], fn: (x) => mean(permute(x, [1, 0]), 0) });
gradCase({ op: Max, name: 'axis 1 (distinct values)', inputs: (m) => [m.float([3, 4])], fn: (x) => max(x, 1) });
gradCase({ op: Max, name: 'all axes and axis 0 keepDims', inputs: (m) => [m.float([2, 3])], fn: (x) => add(max(x), max(x, 0, true)) });

gradCase({ op: MatMul, name: '[2,3,4] @ [4,2] (shared right operand)', inputs: (m) => [m.float([2, 3, 4]), m.float([4, 2])], fn: (a, b) => matmul(a, b) });
gradCase({ op: MatMul, name: '[2,1,2,3] @ [3,3,2] (both batch dims broadcast)', inputs: (m) => [m.float([2, 1, 2, 3]), m.float([3, 3, 2])], fn: (a, b) => matmul(a, b) });
gradCase({ op: MatMul, name: 'transposed operand', inputs: (m) => [m.float([3, 2]), m.float([3, 2])], fn: (a, b) => matmul(permute(a, [1, 0]), b) });

for (const [op, fn] of [[Softmax, softmax], [LogSoftmax, logSoftmax]] as const) {
  gradCase({ op, name: 'last axis', inputs: (m) => [m.float([2, 4])], fn: (x) => fn(x, -1) });
  gradCase({ op, name: 'axis 0 of [3,2,2]', inputs: (m) => [m.float([3, 2, 2])], fn: (x) => fn(x, 0) });
}
gradCase({ op: LogSoftmax, name: 'crossEntropy composite', inputs: (m) => [m.float([3, 4]), m.int([3], [2, 0, 3])], fn: (x, t) => crossEntropy(x, t) });
gradCase({ op: Mul, name: 'mseLoss composite', inputs: (m) => [m.float([2, 3]), m.float([2, 3])], fn: (p, t) => mseLoss(p, t) });

gradCase({ op: BandMask, name: 'triu k=0 fill 0, batch of 2', inputs: (m) => [m.float([2, 3, 3])], fn: (x) => triu(x) });
gradCase({ op: BandMask, name: 'tril k=-1 fill 5, non-square', inputs: (m) => [m.float([3, 4])], fn: (x) => tril(x, -1, 5) });

gradCase({
  op: Conv2d, name: '3x3 pad 1 with bias',
  inputs: (m) => [m.float([1, 2, 4, 4]), m.float([2, 2, 3, 3]), m.float([2])],
  fn: (x, w, b) => conv2d(x, w, b, { pads: 1 }),
});
gradCase({
  op: Conv2d, name: 'groups 2, dilation [2,1], causal pads [2,0,1,0]',
  inputs: (m) => [m.float([1, 4, 4, 5]), m.float([4, 2, 2, 2])],
  fn: (x, w) => conv2d(x, w, null, { pads: [2, 0, 1, 0], dilation: [2, 1], groups: 2 }),
});
gradCase({
  op: Conv2d, name: '1x5 kernel (more than 3 taps), batch 2',
  inputs: (m) => [m.float([2, 1, 2, 6]), m.float([2, 1, 1, 5])],
  fn: (x, w) => conv2d(x, w, null, { pads: [0, 0, 2, 2] }),
});

gradCase({ op: IndexSelect, name: 'axis 0 with repeated indices', inputs: (m) => [m.float([4, 3]), m.int([3], [1, 3, 1])], fn: (x, i) => indexSelect(x, i, 0) });
gradCase({ op: IndexSelect, name: 'axis 1 with 2-D indices', inputs: (m) => [m.float([2, 4]), m.int([2, 2], [0, 3, 3, 3])], fn: (x, i) => indexSelect(x, i, 1) });

gradCase({ op: Pad, name: 'pads [1,0,2,1] value 0.5', inputs: (m) => [m.float([2, 3])], fn: (x) => pad(x, [1, 0, 2, 1], 0.5) });
gradCase({ op: Concat, name: 'three inputs, axis 1', inputs: (m) => [m.float([2, 1]), m.float([2, 3]), m.float([2, 2])], fn: (a, b, c) => concat([a, b, c], 1) });
gradCase({ op: Concat, name: 'axis 0, a permuted input', inputs: (m) => [m.float([1, 3]), m.float([3, 2])], fn: (a, b) => concat([a, permute(b, [1, 0])], 0) });
gradCase({ op: Contiguous, name: 'of a permuted view', inputs: (m) => [m.float([3, 4])], fn: (x) => contiguous(permute(x, [1, 0])) });
gradCase({ op: Reshape, name: 'contiguous and permuted sources', inputs: (m) => [m.float([2, 3])], fn: (x) => add(reshape(x, [3, 2]), reshape(permute(x, [1, 0]), [3, 2])) });
gradCase({ op: Permute, name: '[2,3,4] -> [4,2,3]', inputs: (m) => [m.float([2, 3, 4])], fn: (x) => permute(x, [2, 0, 1]) });
gradCase({ op: Expand, name: '[3,1] -> [2,3,4]', inputs: (m) => [m.float([3, 1])], fn: (x) => expand(x, [2, 3, 4]) });
gradCase({ op: Slice, name: 'interior window', inputs: (m) => [m.float([4, 5])], fn: (x) => slice(x, [1, 2], [3, 5]) });

/** A plain second device, so that moves (and their gradients) have somewhere to go. */
const auxDevice = (device: string): string => `${device}+opsuite-aux`;
gradCase({
  op: ToDevice, name: 'to an auxiliary device and back',
  setup: (device) => registerDevice({ name: auxDevice(device), description: 'op suite auxiliary device' }),
  inputs: (m) => [m.float([2, 3])],
  fn: (x) => mul(x.to(auxDevice(x.device.name)).to(x.device), x),
});

export function coreGradCases(): readonly GradCase[] {
  return cases;
}
