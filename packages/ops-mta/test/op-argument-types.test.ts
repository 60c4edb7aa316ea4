import '@mta/ops-mta/register';
import { describe, expect, it } from 'vitest';
import { Rng, zeros } from '@mta/core';
import { MtaArgumentError, MultiTokenAttention, mtaForward, mtaGeometry, multiTokenAttention, sparsemax } from '@mta/ops-mta';

/**
 * Issue 13, item 11: wrong-typed arguments to the public MTA API (null options or weights, numbers where a
 * Tensor belongs, options of the wrong type) were raw TypeErrors. Each is now an MtaArgumentError whose
 * fields name the argument, what was expected and what was given. The casts stand for JavaScript callers.
 */
type Loose = never;
const scores = () => zeros([1, 2, 6, 6]);
const weight = () => zeros([2, 2, 3, 3]);
const rng = () => new Rng(1);

interface Case {
  readonly label: string;
  readonly call: () => unknown;
  readonly argument: string;
  readonly actual: string;
}

const tinyGeometry = () => mtaGeometry({ B: 1, Cin: 1, Cout: 1, L: 2, kH: 1, kW: 1 },
  { mode: 'post', sparse: false, pads: [0, 0, 0, 0], dilation: [1, 1], groups: 1 }, { hasBias: false, dtype: 'float32' });

const CASES: readonly Case[] = [
  { label: 'multiTokenAttention(scores, null)', call: () => multiTokenAttention(scores(), null as Loose), argument: 'weight', actual: 'null' },
  { label: 'multiTokenAttention(undefined, weight)', call: () => multiTokenAttention(undefined as Loose, weight()), argument: 'scores', actual: 'undefined' },
  { label: 'scores as a nested array', call: () => multiTokenAttention([[1]] as Loose, weight()), argument: 'scores', actual: '[[1]]' },
  { label: 'bias as a number', call: () => multiTokenAttention(scores(), weight(), 3 as Loose), argument: 'bias', actual: '3' },
  { label: 'options null', call: () => multiTokenAttention(scores(), weight(), null, null as Loose), argument: 'options', actual: 'null' },
  { label: 'options a string', call: () => multiTokenAttention(scores(), weight(), null, 'causal' as Loose), argument: 'options', actual: '"causal"' },
  { label: 'options.padding null', call: () => multiTokenAttention(scores(), weight(), null, { padding: null as Loose }), argument: 'options.padding', actual: 'null' },
  { label: 'options.padding true', call: () => multiTokenAttention(scores(), weight(), null, { padding: true as Loose }), argument: 'padding', actual: 'true' },
  { label: 'options.sparse "yes"', call: () => multiTokenAttention(scores(), weight(), null, { padding: 1, sparse: 'yes' as Loose }), argument: 'sparse', actual: '"yes"' },
  { label: 'options.groups "2"', call: () => multiTokenAttention(scores(), weight(), null, { padding: 1, groups: '2' as Loose }), argument: 'groups', actual: '2' },
  { label: 'options.impl 7', call: () => multiTokenAttention(scores(), weight(), null, { padding: 1, impl: 7 as Loose }), argument: 'options.impl', actual: '7' },
  { label: 'new MultiTokenAttention(4, 4, rng, null)', call: () => new MultiTokenAttention(4, 4, rng(), null as Loose), argument: 'options', actual: 'null' },
  { label: 'new MultiTokenAttention(4, 4, null)', call: () => new MultiTokenAttention(4, 4, null as Loose), argument: 'rng', actual: 'null' },
  { label: 'inChannels "4"', call: () => new MultiTokenAttention('4' as Loose, 4, rng()), argument: 'inChannels', actual: '"4"' },
  { label: 'outChannels 2.5', call: () => new MultiTokenAttention(4, 2.5, rng()), argument: 'outChannels', actual: '2.5' },
  { label: 'kernelSize "3"', call: () => new MultiTokenAttention(4, 4, rng(), { kernelSize: '3' as Loose }), argument: 'options.kernelSize', actual: '"3"' },
  { label: 'kernelSize [3]', call: () => new MultiTokenAttention(4, 4, rng(), { kernelSize: [3] as Loose }), argument: 'options.kernelSize', actual: '[3]' },
  { label: 'bias "no"', call: () => new MultiTokenAttention(4, 4, rng(), { bias: 'no' as Loose }), argument: 'options.bias', actual: '"no"' },
  { label: 'init "xavier"', call: () => new MultiTokenAttention(4, 4, rng(), { init: 'xavier' as Loose }), argument: 'options.init', actual: '"xavier"' },
  { label: 'groups that do not divide', call: () => new MultiTokenAttention(4, 6, rng(), { groups: 4 }), argument: 'options.groups', actual: '4' },
  // The array-level fused kernel and the dtypes a path cannot compute on (found by the fuzz: raw Errors).
  { label: 'mtaForward with a short scores array', call: () => mtaForward(new Float32Array(3), new Float32Array(1), null, tinyGeometry()), argument: 'scores', actual: '3' },
  { label: 'mtaForward with a plain array', call: () => mtaForward([1, 2, 3, 4] as Loose, new Float32Array(1), null, tinyGeometry()), argument: 'scores', actual: 'Array' },
  { label: 'float16 scores on the cpu (auto picks fused)', call: () => multiTokenAttention(zeros([1, 2, 6, 6], { dtype: 'float16' }), zeros([2, 2, 3, 3], { dtype: 'float16' }), null, { padding: 1 }), argument: 'scores', actual: 'float16' },
  { label: 'float64 scores on the npu fused kernel', call: () => multiTokenAttention(zeros([1, 2, 6, 6], { dtype: 'float64', device: 'npu' }), zeros([2, 2, 3, 3], { dtype: 'float64', device: 'npu' }), null, { padding: 1 }), argument: 'scores', actual: 'float64' },
  { label: 'bfloat16 scores on the composite path', call: () => multiTokenAttention(zeros([1, 2, 6, 6], { dtype: 'bfloat16', device: 'npu' }), zeros([2, 2, 3, 3], { dtype: 'bfloat16', device: 'npu' }), null, { padding: 1, impl: 'composite' }), argument: 'scores', actual: 'bfloat16' },
  { label: 'sparsemax axis out of range', call: () => sparsemax(zeros([2, 3]), 2), argument: 'axis', actual: '2' },
  { label: 'sparsemax axis 0.5', call: () => sparsemax(zeros([2, 3]), 0.5), argument: 'axis', actual: '0.5' },
  { label: 'sparsemax(null)', call: () => sparsemax(null as Loose), argument: 'x', actual: 'null' },
  { label: 'sparsemax of int32', call: () => sparsemax(zeros([2, 3], { dtype: 'int32' })), argument: 'x', actual: 'int32' },
];

describe('wrong-typed arguments to the MTA API are MtaArgumentErrors', () => {
  it.each(CASES)('$label', ({ call, argument, actual }) => {
    let error: unknown = null;
    try {
      call();
    } catch (e) {
      error = e;
    }
    expect(error, 'the call should throw').toBeInstanceOf(MtaArgumentError);
    const e = error as MtaArgumentError;
    expect(e.argument).toContain(argument);
    expect(e.expected.length).toBeGreaterThan(0);
    expect(e.actual).toContain(actual);
    expect(e.message).toContain(`${e.argument}: expected ${e.expected}, got ${e.actual}`);
  });
});
