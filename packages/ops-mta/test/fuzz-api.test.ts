import '@mta/ops-mta/register';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setFallback } from '@mta/core';
import { anyFuzzCase, checkAnyCase } from '../tools/fuzz/any-case.js';
import { newCounts } from '../tools/fuzz/mta-fuzz.js';

/**
 * The fuzz of the public MTA API (tools/fuzz: multiTokenAttention and sparsemax calls): 500 random calls, each a named error or a match
 * with the cpu float64 reference. fast-check prints the seed and the shrunk case on failure; rerun it with
 * `pnpm fuzz --seed <seed> --runs <n>`. Long runs: `pnpm fuzz --runs 20000`.
 */
describe('fuzz: every MTA or sparsemax call is a named error or matches the cpu float64 reference', () => {
  it('500 random calls', async () => {
    setFallback({ enabled: true, strict: false });
    const counts = newCounts();
    await fc.assert(fc.asyncProperty(anyFuzzCase, async (c) => { await checkAnyCase(c, counts); }), { numRuns: 500, seed: Number(process.env['MTA_FUZZ_SEED'] ?? 20261203) });
    expect(counts.raw).toBe(0);
    expect(counts.match).toBeGreaterThan(100);
  });
});
