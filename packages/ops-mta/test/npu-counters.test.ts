/**
 * The npu simulator counts exactly what it counted before its hot paths were rewritten (issue 16, item 2):
 * every LaunchRecord field but wall time, per core the vector counters (elemOps, repeats, scalarOps,
 * instructions), the DMA counters (bytes, bursts, transfers in and out) and the UB peak, explain()'s group
 * sums, the totals, and the bits of every output. test/fixtures/npu-counters.json was captured from the old
 * implementation (tools/npu/counter-fixture.ts --write), so it is a reference independent of the new code.
 *
 * The fixture's output bits predate the float32 taps (vector-taps.ts): each case runs twice, once with the
 * taps' old float64 arithmetic (setFloat64Taps), held to everything in the fixture, bits included, which
 * shows nothing but the taps' arithmetic moved; and once as shipped, with the float32 taps, held to the
 * fixture's counters (the arithmetic counts nothing differently). The float32 outputs' accuracy is the golden
 * tests' (npu-golden.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { setFloat64Taps } from '../src/kernels/npu/vector-taps.js';
import { COUNTER_CASES, type CaseCounters, captureCounters } from './support/npu-counters';
import { expectCounts, expectCountsAsFixture, loadCounterFixture } from './support/npu-counters-fixture';

const fixture = loadCounterFixture();

describe('npu simulator counters match the fixture captured from the previous implementation', () => {
  it('the fixture holds every case, and counts something in each', () => {
    expect(Object.keys(fixture).sort()).toEqual(COUNTER_CASES.map((c) => c.name).sort());
    for (const [name, c] of Object.entries(fixture)) {
      expect(c.launches.length, name).toBeGreaterThan(0);
      expect(c.launches.every((l) => l.vectorElemOps > 0 && l.gmReadBytes > 0 && l.perCore.instructions.length === l.cores), name).toBe(true);
    }
  });

  it.each(COUNTER_CASES.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const was = setFloat64Taps(true);
    let old: CaseCounters;
    try {
      old = captureCounters(c);
    } finally {
      setFloat64Taps(was);
    }
    expectCountsAsFixture(name, old, fixture[name]!);
    expectCounts(name, captureCounters(c), fixture[name]!);
  }, 120_000);
});
