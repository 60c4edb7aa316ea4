import '@mta/ops-mta/register';
import { beforeAll, describe, expect, it } from 'vitest';
import { setFallback, zeros, type CreateOptions, type Tensor } from '@mta/core';
import { multiTokenAttention, sparsemax, type MtaOptions } from '@mta/ops-mta';

/**
 * Every bad call of multiTokenAttention fails before any kernel runs, with a message that names the argument,
 * says what was expected and what was given. Each case lists fragments the message must contain.
 */
beforeAll(() => setFallback({ strict: true }));

const t = (shape: number[], options: CreateOptions = {}): Tensor => zeros(shape, options);
const scores = () => t([1, 2, 8, 8]);
const weight = () => t([2, 2, 3, 3]);

function messageOf(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the call to throw, it returned');
}

interface ErrorCase {
  readonly label: string;
  readonly call: () => unknown;
  /** Fragments the message must contain: the argument, the expectation, the actual value. */
  readonly mentions: readonly string[];
}

const mta = (s: Tensor, w: Tensor, b: Tensor | null, options: MtaOptions) => () => multiTokenAttention(s, w, b, options);

const CASES: readonly ErrorCase[] = [
  { label: 'scores not 4-D', call: mta(t([2, 8, 8]), weight(), null, { padding: 1 }),
    mentions: ['scores', '4-D', '(B, Cin, L, L)', '[2, 8, 8]'] },
  { label: 'scores not square in its last two axes', call: mta(t([1, 2, 8, 7]), weight(), null, { padding: 1 }),
    mentions: ['scores', 'square', '[1, 2, 8, 7]'] },
  { label: 'Cin not divisible by groups', call: mta(t([1, 3, 8, 8]), t([2, 1, 3, 3]), null, { padding: 1, groups: 2 }),
    mentions: ['Cin=3', 'groups=2', 'divisible'] },
  { label: 'Cout not divisible by groups', call: mta(t([1, 2, 8, 8]), t([3, 1, 3, 3]), null, { padding: 1, groups: 2 }),
    mentions: ['Cout=3', 'groups=2', 'divisible'] },
  { label: 'weight with the wrong input channels', call: mta(scores(), t([2, 3, 3, 3]), null, { padding: 1 }),
    mentions: ['weight', '[2, 3, 3, 3]', 'Cin/groups = 2/1 = 2', 'got 3'] },
  { label: 'weight not 4-D', call: mta(scores(), t([2, 2, 3]), null, { padding: 1 }),
    mentions: ['weight', '4-D', '(Cout, Cin/groups, kH, kW)', '[2, 2, 3]'] },
  { label: 'bias of the wrong length', call: mta(scores(), weight(), t([3]), { padding: 1 }),
    mentions: ['bias', 'shape [2]', 'Cout', '[3]'] },
  { label: 'bias not 1-D', call: mta(scores(), weight(), t([2, 1]), { padding: 1 }),
    mentions: ['bias', 'shape [2]', '[2, 1]'] },
  { label: 'kernel larger than the padded map', call: mta(t([1, 2, 3, 3]), t([2, 2, 5, 5]), null, {}),
    mentions: ['kernel 5x5', 'larger than the padded 3x3 map', 'more padding'] },
  { label: 'int32 scores', call: mta(t([1, 2, 8, 8], { dtype: 'int32' }), weight(), null, { padding: 1 }),
    mentions: ['scores', 'float', 'int32', ".cast('float32')"] },
  { label: 'int32 weight with float32 scores', call: mta(scores(), t([2, 2, 3, 3], { dtype: 'int32' }), null, { padding: 1 }),
    mentions: ['weight', 'int32', 'float32'] },
  { label: 'float64 bias with float32 scores', call: mta(scores(), weight(), t([2], { dtype: 'float64' }), { padding: 1 }),
    mentions: ['bias', 'float64', 'float32'] },
  { label: 'weight on npu, scores on cpu', call: mta(scores(), t([2, 2, 3, 3], { device: 'npu' }), null, { padding: 1 }),
    mentions: ['weight', 'scores', "'npu'", "'cpu'", ".to('cpu')"] },
  { label: 'bias on npu, scores on cpu', call: mta(scores(), weight(), t([2], { device: 'npu' }), { padding: 1 }),
    mentions: ['bias', 'scores', "'npu'", "'cpu'"] },
  { label: 'sparse with float16 scores', call: mta(t([1, 2, 8, 8], { dtype: 'float16' }), t([2, 2, 3, 3], { dtype: 'float16' }), null, { padding: 1, sparse: true }),
    mentions: ['sparse', 'float32 or float64', 'float16'] },
  { label: 'sparse with bfloat16 scores on npu', call: mta(t([1, 2, 8, 8], { dtype: 'bfloat16', device: 'npu' }), t([2, 2, 3, 3], { dtype: 'bfloat16', device: 'npu' }), null, { padding: 1, sparse: true }),
    mentions: ['sparse', 'float32 or float64', 'bfloat16'] },
  { label: 'padding too large for L x L (3x3, padding 2)', call: mta(scores(), weight(), null, { padding: 2 }),
    mentions: ['kernel 3x3', '[2, 2, 2, 2]', '8x8', '10x10', 'L x L', 'padding 1', "'causal'"] },
  { label: 'no padding for a 3x3 kernel', call: mta(scores(), weight(), null, {}),
    mentions: ['[0, 0, 0, 0]', '6x6', 'L x L'] },
  { label: 'symmetric padding for an even kernel (2x3)', call: mta(scores(), t([2, 2, 2, 3]), null, { padding: 1 }),
    mentions: ['kernel 2x3', '9x8', 'L x L', "'causal'"] },
  { label: 'padding of a 3x5 kernel that only fits the rows', call: mta(scores(), t([2, 2, 3, 5]), null, { padding: 1 }),
    mentions: ['kernel 3x5', '8x6', '2 rows and', '4 columns', 'padding [1, 2]'] },
  { label: 'padding with three entries', call: mta(scores(), weight(), null, { padding: [1, 1, 1] as unknown as MtaOptions['padding'] }),
    mentions: ['padding', "[top, bottom, left, right] or 'causal'", '[1,1,1]'] },
  { label: 'negative padding', call: mta(scores(), weight(), null, { padding: -1 }),
    mentions: ['padding', 'non-negative', '-1'] },
  { label: 'unknown mode', call: mta(scores(), weight(), null, { padding: 1, mode: 'middle' as MtaOptions['mode'] }),
    mentions: ['mode', "'post' or 'pre'", 'middle'] },
  { label: 'zero dilation', call: mta(scores(), weight(), null, { padding: 1, dilation: 0 }),
    mentions: ['dilation', 'positive integer', '0'] },
  { label: 'zero groups', call: mta(scores(), weight(), null, { padding: 1, groups: 0 }),
    mentions: ['groups', 'positive integer', '0'] },
  { label: 'standalone sparsemax of an int32 tensor', call: () => sparsemax(t([2, 3], { dtype: 'int32' })),
    mentions: ['sparsemax', 'float32 or float64', 'int32'] },
];

describe('multiTokenAttention errors', () => {
  for (const c of CASES) {
    it(c.label, () => {
      const message = messageOf(c.call);
      for (const fragment of c.mentions) expect(message, `message: ${message}`).toContain(fragment);
    });
  }

  it('validation runs before either implementation: the composite path reports the same error', () => {
    const fused = messageOf(mta(scores(), t([2, 3, 3, 3]), null, { padding: 1, impl: 'fused' }));
    const composite = messageOf(mta(scores(), t([2, 3, 3, 3]), null, { padding: 1, impl: 'composite' }));
    expect(composite).toBe(fused);
  });

  it('float16 scores (valid for the npu) on the cpu fused kernel ask for a cast', () => {
    const message = messageOf(mta(t([1, 2, 8, 8], { dtype: 'float16' }), t([2, 2, 3, 3], { dtype: 'float16' }), null, { padding: 1, impl: 'fused' }));
    for (const fragment of ['cpu', 'scores', 'float16', 'float32 or float64', ".cast('float32')"]) expect(message).toContain(fragment);
  });
});
