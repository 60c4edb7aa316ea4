/**
 * The npu simulator counts exactly what it counted before its hot paths were rewritten (issue 16, item 2):
 * every LaunchRecord field but wall time, per core the vector counters (elemOps, repeats, scalarOps,
 * instructions), the DMA counters (bytes, bursts, transfers in and out) and the UB peak, explain()'s group
 * sums, the totals, and the bits of every output. test/fixtures/npu-counters.json was captured from the old
 * implementation (tools/npu/counter-fixture.ts --write), so it is a reference independent of the new code.
 */
import { describe, expect, it } from 'vitest';
import { COUNTER_CASES, captureCounters } from './support/npu-counters';
import { expectCountsAsFixture, loadCounterFixture } from './support/npu-counters-fixture';

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
    const got = captureCounters(c);
    expectCountsAsFixture(name, got, fixture[name]!);
  }, 120_000);
});
