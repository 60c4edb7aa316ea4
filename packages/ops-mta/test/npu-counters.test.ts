/**
 * The npu simulator counts exactly what it counted before its hot paths were rewritten (issue 16, item 2):
 * every LaunchRecord field but wall time, per core the vector counters (elemOps, repeats, scalarOps,
 * instructions), the DMA counters (bytes, bursts, transfers in and out) and the UB peak, explain()'s group
 * sums, the totals, and the bits of every output. test/fixtures/npu-counters.json was captured from the old
 * implementation (tools/npu/counter-fixture.ts --write), so it is a reference independent of the new code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COUNTER_CASES, type CaseCounters, captureCounters } from './support/npu-counters';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/npu-counters.json', import.meta.url), 'utf8')) as Record<string, CaseCounters>;

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
    const want = fixture[name]!;
    // Launch by launch first, so a failure names the kernel.
    expect(got.launches.map((l) => l.kernel)).toEqual(want.launches.map((l) => l.kernel));
    got.launches.forEach((l, i) => expect(l, `${name}: ${l.kernel}`).toEqual(want.launches[i]));
    expect(got.groups).toEqual(want.groups);
    expect(got.totals).toEqual(want.totals);
    expect(got.outputs, `${name}: output bits`).toEqual(want.outputs);
  }, 120_000);
});
