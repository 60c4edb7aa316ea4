/**
 * Executed coverage (issue 13 item 13): the planner property used to recompute coverage from the planner's
 * own blocks, so a kernel that skipped its last column block still passed. Here the kernels run, in poison
 * mode (every output starts as NaN and each element must be written), at random L in [1, 5000], random
 * UB >= 16 KiB, float32 and float16, both modes, causal and symmetric padding: an unwritten element is an
 * UnwrittenOutputError from the launch, and the downloads are checked for NaN besides.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type NpuDType } from '@mta/device-npu';
import { type NpuMtaConfig } from '../src/kernels/npu/index.js';
import { runCase } from './support/npu-run-case';

function inputs(L: number, mode: 'post' | 'pre', causal: boolean, seed: number) {
  const config: NpuMtaConfig = { mode, sparse: false, pads: causal ? [2, 0, 2, 0] : [1, 1, 1, 1], dilation: [1, 1], groups: 1 };
  const shape = { B: 1, Cin: 1, Cout: 1, L, kH: 3, kW: 3 };
  let s = seed >>> 0;
  const next = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const fill = (n: number, scale: number) => Float64Array.from({ length: n }, () => next() * scale);
  return { shape, config, scores: fill(L * L, 2), weight: fill(9, 0.5), bias: fill(1, 0.1), gradOut: fill(L * L, 1) };
}

function expectAllWritten(L: number, dtype: NpuDType, ub: number, mode: 'post' | 'pre', causal: boolean, seed: number): void {
  const run = runCase(inputs(L, mode, causal, seed), ub, dtype);
  const label = `L=${L} ${dtype} UB=${ub} ${mode} ${causal ? 'causal' : 'symmetric'}`;
  for (const [name, values] of [['out', run.out], ['grad_scores', run.gradScores], ['grad_weight', run.gradWeight], ['grad_bias', run.gradBias!]] as const) {
    const firstNaN = values.findIndex((v) => Number.isNaN(v));
    expect(firstNaN, `${label}: ${name} holds poison (an unwritten element) at ${firstNaN}`).toBe(-1);
  }
}

const dtypes: NpuDType[] = ['float32', 'float16'];
const modes = ['post', 'pre'] as const;

describe('npu kernels write every output element (executed, poison mode)', () => {
  // Small UBs so that most lengths split rows into column blocks (ragged last blocks included).
  it('random L in [1, 1200], UB in [16 KiB, 48 KiB], both dtypes, modes and paddings', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1200 }), fc.constantFrom(...dtypes), fc.integer({ min: 512, max: 1536 }).map((n) => n * 32),
        fc.constantFrom(...modes), fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (L, dtype, ub, mode, causal, seed) => expectAllWritten(L, dtype, ub, mode, causal, seed),
      ),
      { numRuns: 16 },
    );
  });

  // Large L only a couple of times (each map is L^2): lengths that leave a ragged last column block.
  it.each([
    [2053, 'float16', 16 * 1024, 'post', true],
    [3001, 'float32', 48 * 1024, 'pre', false],
  ] as const)('L=%i %s UB=%i %s (causal %s)', (L, dtype, ub, mode, causal) => expectAllWritten(L, dtype, ub, mode, causal, L));
});
