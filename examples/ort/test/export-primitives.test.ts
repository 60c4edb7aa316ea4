import '@mta/device-cpu/register';
import {
  Rng, abs, add, cast, concat, contiguous, conv2d, div, equal, exp, expand, greater, greaterEqual, indexSelect, less, lessEqual,
  log, logSoftmax, matmul, max, maximum, minimum, mul, neg, notEqual, pad, permute, pow, randNormal, randUniform, relu, reshape,
  sigmoid, sign, slice, softmax, sqrt, sub, sum, tanh, tensor, transpose, tril, triu, where, type Tensor,
} from '@mta/core';
import { describe, expect, it } from 'vitest';
import { compareTensors } from '../src/index';
import { roundTrip } from './support/round-trip';

/**
 * Every forward primitive with a lowering in core, traced by exportOnnx, run in onnxruntime-node and
 * compared with the cpu device: float outputs to relFro <= 1e-6, int32 and bool outputs exactly.
 * Each case also names the core op it is about, and the trace must have met it (so a case cannot pass
 * through some other path, e.g. a helper that returned its input unchanged).
 */
interface Case {
  readonly name: string;
  /** Core op name the trace must contain. */
  readonly op: string;
  readonly fn: (...xs: Tensor[]) => Tensor | readonly Tensor[];
  readonly inputs: (rng: Rng) => Tensor[];
}

const FLOAT_TOL = 1e-6;

const normal = (rng: Rng, shape: number[]): Tensor => randNormal(rng, shape);
const positive = (rng: Rng, shape: number[]): Tensor => randUniform(rng, shape, 0.1, 3);
/** Small integers, so comparisons hit ties and integer arithmetic stays exact. */
const ints = (rng: Rng, shape: number[], low = -4, high = 5): Tensor =>
  tensor(Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => low + Math.floor(rng.uniform() * (high - low))), shape);
/** Float values on a coarse grid, so equal/less-equal see exact ties. */
const grid = (rng: Rng, shape: number[]): Tensor => cast(ints(rng, shape, -3, 4), 'float32');
const bools = (rng: Rng, shape: number[]): Tensor => greater(normal(rng, shape), tensor(0));
/** A NaN everywhere above the diagonal (j > i) of the last two axes: what a causal mask must never read. */
function nanAboveDiagonal(rng: Rng, shape: number[]): Tensor {
  const x = normal(rng, shape).toArray() as Float32Array;
  const [rows, cols] = shape.slice(-2) as [number, number];
  for (let m = 0; m < x.length / (rows * cols); m++) {
    for (let i = 0; i < rows; i++) for (let j = i + 1; j < cols; j++) x[(m * rows + i) * cols + j] = Number.NaN;
  }
  return tensor(x, shape);
}

const binaryCases: Case[] = [
  { name: 'add with broadcasting', op: 'Add', fn: add, inputs: (r) => [normal(r, [2, 3, 4]), normal(r, [4])] },
  { name: 'sub with broadcasting on both sides', op: 'Sub', fn: sub, inputs: (r) => [normal(r, [2, 1, 4]), normal(r, [3, 1])] },
  { name: 'mul', op: 'Mul', fn: mul, inputs: (r) => [normal(r, [3, 4]), normal(r, [3, 4])] },
  { name: 'div', op: 'Div', fn: div, inputs: (r) => [normal(r, [3, 4]), positive(r, [1, 4])] },
  { name: 'pow', op: 'Pow', fn: pow, inputs: (r) => [positive(r, [3, 4]), normal(r, [3, 4])] },
  { name: 'maximum', op: 'Maximum', fn: maximum, inputs: (r) => [normal(r, [2, 3, 4]), normal(r, [3, 4])] },
  { name: 'minimum', op: 'Minimum', fn: minimum, inputs: (r) => [normal(r, [2, 3, 4]), normal(r, [2, 1, 1])] },
  { name: 'add int32', op: 'Add', fn: add, inputs: (r) => [ints(r, [2, 3]), ints(r, [3])] },
  { name: 'sub int32', op: 'Sub', fn: sub, inputs: (r) => [ints(r, [2, 3]), ints(r, [2, 1])] },
  { name: 'mul int32', op: 'Mul', fn: mul, inputs: (r) => [ints(r, [2, 3]), ints(r, [2, 3])] },
  { name: 'div int32 (truncates toward zero)', op: 'Div', fn: div, inputs: (r) => [ints(r, [2, 3], -20, 20), ints(r, [3], 1, 5)] },
  { name: 'maximum int32', op: 'Maximum', fn: maximum, inputs: (r) => [ints(r, [4, 3]), ints(r, [3])] },
  { name: 'minimum int32', op: 'Minimum', fn: minimum, inputs: (r) => [ints(r, [4, 3]), ints(r, [4, 1])] },
  { name: 'pow int32', op: 'Pow', fn: pow, inputs: (r) => [ints(r, [2, 3]), ints(r, [3], 0, 4)] },
];

const compareCases: Case[] = [
  ['equal', 'Equal', equal], ['notEqual', 'NotEqual', notEqual], ['less', 'Less', less],
  ['lessEqual', 'LessEqual', lessEqual], ['greater', 'Greater', greater], ['greaterEqual', 'GreaterEqual', greaterEqual],
].flatMap(([name, op, fn]) => [
  { name: `${name as string} float32 with ties`, op: op as string, fn: fn as Case['fn'], inputs: (r: Rng) => [grid(r, [3, 5]), grid(r, [5])] },
  { name: `${name as string} int32`, op: op as string, fn: fn as Case['fn'], inputs: (r: Rng) => [ints(r, [2, 4]), ints(r, [2, 1])] },
]);

const unaryCases: Case[] = [
  { name: 'neg', op: 'Neg', fn: neg, inputs: (r) => [normal(r, [3, 4])] },
  { name: 'exp', op: 'Exp', fn: exp, inputs: (r) => [normal(r, [3, 4])] },
  { name: 'log', op: 'Log', fn: log, inputs: (r) => [positive(r, [3, 4])] },
  { name: 'sqrt', op: 'Sqrt', fn: sqrt, inputs: (r) => [positive(r, [3, 4])] },
  { name: 'abs', op: 'Abs', fn: abs, inputs: (r) => [normal(r, [3, 4])] },
  { name: 'tanh', op: 'Tanh', fn: tanh, inputs: (r) => [normal(r, [3, 4])] },
  { name: 'sigmoid', op: 'Sigmoid', fn: sigmoid, inputs: (r) => [normal(r, [3, 4])] },
  { name: 'relu', op: 'Relu', fn: relu, inputs: (r) => [normal(r, [3, 4])] },
  { name: 'sign (zeros included)', op: 'Sign', fn: sign, inputs: (r) => [grid(r, [3, 4])] },
  { name: 'neg int32', op: 'Neg', fn: neg, inputs: (r) => [ints(r, [3, 4])] },
  { name: 'abs int32', op: 'Abs', fn: abs, inputs: (r) => [ints(r, [3, 4])] },
  { name: 'relu int32', op: 'Relu', fn: relu, inputs: (r) => [ints(r, [3, 4])] },
  { name: 'sign int32', op: 'Sign', fn: sign, inputs: (r) => [ints(r, [3, 4])] },
];

const selectionCases: Case[] = [
  { name: 'where with a bool input, broadcast', op: 'Where', fn: (c, a, b) => where(c!, a!, b!),
    inputs: (r) => [bools(r, [3, 1]), normal(r, [3, 4]), normal(r, [4])] },
  { name: 'where with a computed condition and a scalar', op: 'Where', fn: (a) => where(greater(a!, tensor(0.5)), a!, 0),
    inputs: (r) => [normal(r, [2, 3, 4])] },
  { name: 'where int32', op: 'Where', fn: (c, a, b) => where(c!, a!, b!), inputs: (r) => [bools(r, [2, 3]), ints(r, [2, 3]), ints(r, [3])] },
  { name: 'cast float32 -> int32 (truncates toward zero)', op: 'Cast', fn: (x) => cast(mul(x!, tensor(3)), 'int32'), inputs: (r) => [normal(r, [3, 4])] },
  { name: 'cast int32 -> float32', op: 'Cast', fn: (x) => cast(x!, 'float32'), inputs: (r) => [ints(r, [3, 4], -100, 100)] },
  { name: 'cast float32 -> bool', op: 'Cast', fn: (x) => cast(x!, 'bool'), inputs: (r) => [grid(r, [3, 4])] },
  { name: 'cast bool -> float32', op: 'Cast', fn: (x) => cast(x!, 'float32'), inputs: (r) => [bools(r, [3, 4])] },
  { name: 'cast int32 -> bool', op: 'Cast', fn: (x) => cast(x!, 'bool'), inputs: (r) => [ints(r, [3, 4])] },
];

const reductionCases: Case[] = [
  { name: 'sum over one axis', op: 'Sum', fn: (x) => sum(x!, 1), inputs: (r) => [normal(r, [2, 3, 4])] },
  { name: 'sum over two axes, keepDims', op: 'Sum', fn: (x) => sum(x!, [0, 2], true), inputs: (r) => [normal(r, [2, 3, 4])] },
  { name: 'sum over all axes', op: 'Sum', fn: (x) => sum(x!), inputs: (r) => [normal(r, [2, 3, 4])] },
  { name: 'sum int32', op: 'Sum', fn: (x) => sum(x!, -1), inputs: (r) => [ints(r, [3, 5])] },
  { name: 'max over one axis', op: 'Max', fn: (x) => max(x!, -1), inputs: (r) => [normal(r, [2, 3, 4])] },
  { name: 'max over two axes, keepDims', op: 'Max', fn: (x) => max(x!, [0, 2], true), inputs: (r) => [normal(r, [2, 3, 4])] },
  { name: 'max over all axes', op: 'Max', fn: (x) => max(x!), inputs: (r) => [normal(r, [2, 3, 4])] },
  { name: 'max int32', op: 'Max', fn: (x) => max(x!, 0), inputs: (r) => [ints(r, [3, 5])] },
];

const linearAlgebraCases: Case[] = [
  { name: 'matmul 2-D', op: 'MatMul', fn: matmul, inputs: (r) => [normal(r, [3, 5]), normal(r, [5, 4])] },
  { name: 'matmul batched', op: 'MatMul', fn: matmul, inputs: (r) => [normal(r, [2, 3, 4, 5]), normal(r, [2, 3, 5, 6])] },
  { name: 'matmul with broadcast batch dims', op: 'MatMul', fn: matmul, inputs: (r) => [normal(r, [2, 1, 4, 5]), normal(r, [3, 5, 6])] },
  { name: 'matmul of a transposed view', op: 'MatMul', fn: (a, b) => matmul(a!, transpose(b!)), inputs: (r) => [normal(r, [2, 4, 5]), normal(r, [2, 6, 5])] },
  { name: 'softmax along a middle axis', op: 'Softmax', fn: (x) => softmax(x!, 1), inputs: (r) => [normal(r, [2, 5, 3])] },
  { name: 'softmax along the last axis', op: 'Softmax', fn: (x) => softmax(x!, -1), inputs: (r) => [normal(r, [2, 3, 7])] },
  { name: 'log-softmax along the last axis', op: 'LogSoftmax', fn: (x) => logSoftmax(x!, -1), inputs: (r) => [normal(r, [4, 6])] },
  { name: 'log-softmax along axis 0', op: 'LogSoftmax', fn: (x) => logSoftmax(x!, 0), inputs: (r) => [normal(r, [4, 6])] },
];

const maskCases: Case[] = [
  { name: 'triu k=1, fill 0', op: 'BandMask', fn: (x) => triu(x!, 1), inputs: (r) => [normal(r, [2, 5, 5])] },
  { name: 'tril k=-1 on a wide matrix, fill 2.5', op: 'BandMask', fn: (x) => tril(x!, -1, 2.5), inputs: (r) => [normal(r, [2, 3, 4, 6])] },
  { name: 'triu k=-2 on a tall matrix', op: 'BandMask', fn: (x) => triu(x!, -2), inputs: (r) => [normal(r, [7, 4])] },
  { name: 'causal tril, fill -1e9, NaN above the diagonal', op: 'BandMask', fn: (x) => tril(x!, 0, -1e9), inputs: (r) => [nanAboveDiagonal(r, [2, 3, 6, 6])] },
  { name: 'causal softmax over NaN scores', op: 'BandMask', fn: (x) => softmax(tril(x!, 0, -1e9), -1), inputs: (r) => [nanAboveDiagonal(r, [2, 5, 5])] },
  { name: 'tril on int32, fill -7', op: 'BandMask', fn: (x) => tril(x!, 0, -7), inputs: (r) => [ints(r, [2, 4, 4])] },
  { name: 'triu on bool, fill false', op: 'BandMask', fn: (x) => triu(x!, 0), inputs: (r) => [bools(r, [2, 4, 4])] },
  { name: 'tril on bool, fill true', op: 'BandMask', fn: (x) => tril(x!, 1, 1), inputs: (r) => [bools(r, [3, 5])] },
];

const convCases: Case[] = [
  { name: 'conv2d asymmetric pads, dilation, groups, bias', op: 'Conv2d',
    fn: (x, w, b) => conv2d(x!, w!, b!, { pads: [2, 0, 1, 3], dilation: [2, 1], groups: 2 }),
    inputs: (r) => [normal(r, [2, 4, 7, 6]), normal(r, [6, 2, 2, 3]), normal(r, [6])] },
  { name: 'conv2d without bias, dilation on both axes', op: 'Conv2d',
    fn: (x, w) => conv2d(x!, w!, null, { pads: [0, 3, 2, 0], dilation: [3, 2] }),
    inputs: (r) => [normal(r, [1, 3, 8, 8]), normal(r, [2, 3, 2, 2])] },
  { name: 'conv2d depthwise (groups = channels)', op: 'Conv2d',
    fn: (x, w, b) => conv2d(x!, w!, b!, { pads: 1, groups: 3 }),
    inputs: (r) => [normal(r, [2, 3, 5, 5]), normal(r, [3, 1, 3, 3]), normal(r, [3])] },
];

const embeddingTable = (r: Rng): Tensor => normal(r, [10, 4]);
const indexCases: Case[] = [
  { name: 'embedding lookup with int32 indices as a model input', op: 'IndexSelect', fn: (table, idx) => indexSelect(table!, idx!, 0),
    inputs: (r) => [embeddingTable(r), tensor(Int32Array.of(3, 0, 9, 3, 7, 1), [2, 3])] },
  { name: 'embedding lookup with captured int32 indices', op: 'IndexSelect',
    fn: (table) => indexSelect(table!, tensor(Int32Array.of(9, 2, 2, 5), [4]), 0), inputs: (r) => [embeddingTable(r)] },
  { name: 'index select along axis 1', op: 'IndexSelect', fn: (x, idx) => indexSelect(x!, idx!, 1),
    inputs: (r) => [normal(r, [2, 5, 3]), tensor(Int32Array.of(4, 0, 4), [3])] },
];

const layoutCases: Case[] = [
  { name: 'pad several axes with a value', op: 'Pad', fn: (x) => pad(x!, [1, 0, 2, 3, 0, 1], 0.5), inputs: (r) => [normal(r, [2, 3, 4])] },
  { name: 'pad int32 with a value', op: 'Pad', fn: (x) => pad(x!, [0, 1, 2, 0], -3), inputs: (r) => [ints(r, [2, 3])] },
  { name: 'pad bool with true', op: 'Pad', fn: (x) => pad(x!, [1, 1], 1), inputs: (r) => [bools(r, [3, 3])] },
  { name: 'concat three inputs on axis 1', op: 'Concat', fn: (a, b, c) => concat([a!, b!, c!], 1),
    inputs: (r) => [normal(r, [2, 1, 4]), normal(r, [2, 3, 4]), normal(r, [2, 2, 4])] },
  { name: 'concat int32 on the last axis', op: 'Concat', fn: (a, b) => concat([a!, b!], -1), inputs: (r) => [ints(r, [2, 3]), ints(r, [2, 2])] },
  { name: 'concat bool', op: 'Concat', fn: (a, b) => concat([a!, b!], 0), inputs: (r) => [bools(r, [2, 3]), bools(r, [1, 3])] },
  { name: 'reshape merging axes', op: 'Reshape', fn: (x) => reshape(x!, [6, 4]), inputs: (r) => [normal(r, [2, 3, 4])] },
  { name: 'reshape changing the leading axis, with -1', op: 'Reshape', fn: (x) => reshape(x!, [3, -1]), inputs: (r) => [normal(r, [2, 3, 4])] },
  { name: 'reshape of a permuted view', op: 'Reshape', fn: (x) => reshape(permute(x!, [2, 0, 1]), [4, 6]), inputs: (r) => [normal(r, [2, 3, 4])] },
  { name: 'permute', op: 'Permute', fn: (x) => permute(x!, [2, 0, 3, 1]), inputs: (r) => [normal(r, [2, 3, 4, 5])] },
  { name: 'transpose of the last two axes', op: 'Permute', fn: (x) => transpose(x!), inputs: (r) => [normal(r, [2, 3, 4])] },
  { name: 'expand', op: 'Expand', fn: (x) => expand(x!, [2, 3, 4]), inputs: (r) => [normal(r, [3, 1])] },
  { name: 'expand then add (a strided input to an op)', op: 'Expand', fn: (x, y) => add(expand(x!, [2, 3, 4]), y!),
    inputs: (r) => [normal(r, [1, 4]), normal(r, [2, 3, 4])] },
  { name: 'slice', op: 'Slice', fn: (x) => slice(x!, [1, 0, 2], [2, 3, 4]), inputs: (r) => [normal(r, [3, 3, 5])] },
  { name: 'slice with negative indices and whole trailing axes', op: 'Slice', fn: (x) => slice(x!, [-2, 1], [undefined, -1]),
    inputs: (r) => [normal(r, [4, 5, 3])] },
  { name: 'contiguous copy of a permuted view', op: 'Contiguous', fn: (x) => contiguous(permute(x!, [1, 0, 2])), inputs: (r) => [normal(r, [2, 3, 4])] },
  { name: 'two outputs sharing a sub-graph', op: 'Exp', fn: (x) => [exp(x!), sum(exp(x!), -1)], inputs: (r) => [normal(r, [3, 4])] },
];

const groups: [string, Case[]][] = [
  ['binary', binaryCases], ['comparison', compareCases], ['unary', unaryCases], ['selection and cast', selectionCases],
  ['reduction', reductionCases], ['matmul and softmax', linearAlgebraCases], ['band masks', maskCases], ['conv2d', convCases],
  ['index select', indexCases], ['layout', layoutCases],
];

describe('export round trip of every primitive: cpu device vs onnxruntime-node', () => {
  let seed = 1;
  for (const [group, cases] of groups) {
    describe(group, () => {
      for (const c of cases) {
        const caseSeed = seed++;
        it(c.name, async () => {
          const inputs = c.inputs(new Rng(caseSeed));
          const { exported, cpu, ort } = await roundTrip(c.fn, inputs);
          expect(exported.ops.get(c.op) ?? 0, `the trace should contain op '${c.op}'`).toBeGreaterThan(0);
          expect(ort).toHaveLength(cpu.length);
          cpu.forEach((expected, i) => {
            const got = ort[i]!;
            expect(got.type, `output ${i} type`).toBe(expected.type);
            expect(got.dims, `output ${i} dims`).toEqual(expected.dims);
            if (expected.type === 'float32') {
              const { relFro, allFinite } = compareTensors(got.data, expected.data);
              expect(allFinite, `output ${i} must be finite in ORT`).toBe(expected.data.every(Number.isFinite));
              expect(relFro, `output ${i} relFro`).toBeLessThanOrEqual(FLOAT_TOL);
            } else {
              expect(Array.from(got.data), `output ${i} values`).toEqual(Array.from(expected.data));
            }
          });
        });
      }
    });
  }

  it('keeps NaN scores above the diagonal out of a causal mask on both sides', async () => {
    const x = nanAboveDiagonal(new Rng(99), [1, 2, 4, 4]);
    const { cpu, ort } = await roundTrip((s) => tril(s!, 0, -1e9), [x]);
    for (const out of [cpu[0]!, ort[0]!]) {
      expect(Array.from(out.data).some(Number.isNaN)).toBe(false);
      // Row 0 of each map keeps only its diagonal; the rest of the row is the fill.
      expect(Array.from(out.data.slice(1, 4))).toEqual([-1e9, -1e9, -1e9].map(Math.fround));
    }
  });
});
