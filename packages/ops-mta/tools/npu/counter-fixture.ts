/**
 * Writes test/fixtures/npu-counters.json: every counter the npu simulator reports for the calls of
 * COUNTER_CASES (test/support/npu-counters.ts), which npu-counters.test.ts holds the simulator to.
 *
 *   pnpm exec tsx packages/ops-mta/tools/npu/counter-fixture.ts            # print a summary
 *   pnpm exec tsx packages/ops-mta/tools/npu/counter-fixture.ts --write    # (re)write the fixture
 *
 * Rewrite it only when a change is meant to count differently, and say why in the commit.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COUNTER_CASES, type CaseCounters, captureCounters, formatCounterFixture } from '../../test/support/npu-counters.js';

export const COUNTER_FIXTURE_PATH = fileURLToPath(new URL('../../test/fixtures/npu-counters.json', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const all: Record<string, CaseCounters> = {};
  for (const c of COUNTER_CASES) {
    const t0 = performance.now();
    all[c.name] = captureCounters(c);
    const l = all[c.name]!.launches;
    console.log(`${c.name}: ${l.length} launches (${l.map((x) => x.kernel).join(', ')}) in ${(performance.now() - t0).toFixed(0)} ms`);
  }
  if (process.argv.includes('--write')) {
    writeFileSync(COUNTER_FIXTURE_PATH, formatCounterFixture(all));
    console.log(`wrote ${COUNTER_FIXTURE_PATH}`);
  }
}
