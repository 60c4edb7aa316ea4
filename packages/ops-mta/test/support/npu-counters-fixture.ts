import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { CaseCounters } from './npu-counters';

/** test/fixtures/npu-counters.json: what the simulator counted before its rewrites for speed (npu-counters.ts). */
export function loadCounterFixture(): Record<string, CaseCounters> {
  return JSON.parse(readFileSync(new URL('../fixtures/npu-counters.json', import.meta.url), 'utf8')) as Record<string, CaseCounters>;
}

/** `got` counts exactly `want`: launch by launch first, so a failure names the kernel; then groups, totals, output bits. */
export function expectCountsAsFixture(name: string, got: CaseCounters, want: CaseCounters): void {
  expect(got.launches.map((l) => l.kernel)).toEqual(want.launches.map((l) => l.kernel));
  got.launches.forEach((l, i) => expect(l, `${name}: ${l.kernel}`).toEqual(want.launches[i]));
  expect(got.groups).toEqual(want.groups);
  expect(got.totals).toEqual(want.totals);
  expect(got.outputs, `${name}: output bits`).toEqual(want.outputs);
}
