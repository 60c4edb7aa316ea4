import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { CaseCounters } from './npu-counters';

/** test/fixtures/npu-counters.json: what the simulator counted before its rewrites for speed (npu-counters.ts). */
export function loadCounterFixture(): Record<string, CaseCounters> {
  return JSON.parse(readFileSync(new URL('../fixtures/npu-counters.json', import.meta.url), 'utf8')) as Record<string, CaseCounters>;
}

/** `got` counts exactly `want`: launch by launch first, so a failure names the kernel; then groups and totals. */
export function expectCounts(name: string, got: CaseCounters, want: CaseCounters): void {
  expect(got.launches.map((l) => l.kernel)).toEqual(want.launches.map((l) => l.kernel));
  got.launches.forEach((l, i) => expect(l, `${name}: ${l.kernel}`).toEqual(want.launches[i]));
  expect(got.groups).toEqual(want.groups);
  expect(got.totals).toEqual(want.totals);
}

/**
 * expectCounts, then the output bits. The fixture's bits were captured with the taps' float64 arithmetic
 * (vector-taps-f64.ts), so `got` must have run with setFloat64Taps(true) to match them.
 */
export function expectCountsAsFixture(name: string, got: CaseCounters, want: CaseCounters): void {
  expectCounts(name, got, want);
  expect(got.outputs, `${name}: output bits`).toEqual(want.outputs);
}
