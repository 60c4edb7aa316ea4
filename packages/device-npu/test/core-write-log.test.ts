/**
 * A parallel launch's per-core write log (parallel.ts, CoreWriteLog) merges writes that continue each other, so
 * the calling thread replays far fewer entries. The replay must still find a race or an overwrite exactly when
 * the writes one by one would: checked here against the write ledger on random write sequences.
 */
import { describe, expect, it } from 'vitest';
import { GmBuffer, WriteLedger } from '../src/index.js';
import { CoreWriteLog, WRITE_ENTRY } from '../src/parallel.js';

const gms = [new GmBuffer(1, 'a', 'float32', [256], 256), new GmBuffer(2, 'b', 'float32', [256], 256)];
const index = new Map(gms.map((gm, i) => [gm, i]));

interface Write { readonly core: number; readonly gm: number; readonly start: number; readonly n: number }

/** Whether the ledger throws on these writes, one record per write or per entry of the cores' logs. */
function fails(writes: readonly Write[], cores: number, exclusiveBlocks: boolean, logged: boolean): boolean {
  const ledger = new WriteLedger('k', 32, exclusiveBlocks);
  try {
    if (!logged) {
      for (const w of writes) ledger.record(gms[w.gm]!, w.start, w.n, w.core, 'copyOutPad');
      return false;
    }
    for (let core = 0; core < cores; core++) {
      const log = new CoreWriteLog(index);
      for (const w of writes) if (w.core === core) log.add(gms[w.gm]!, w.start, w.n, 'copyOutPad', 'ub');
      const e = log.writes.entries;
      for (let k = 0; k < e.length; k += WRITE_ENTRY) ledger.record(gms[e[k]!]!, e[k + 1]!, e[k + 2]!, core, 'copyOutPad');
    }
    return false;
  } catch {
    return true;
  }
}

describe('CoreWriteLog', () => {
  it('merges a write that starts where an earlier one of the same buffer ended, across other buffers\' writes', () => {
    const log = new CoreWriteLog(index);
    log.add(gms[0]!, 0, 8, 'copyOut', 'x');
    log.add(gms[1]!, 64, 8, 'copyOut', 'y');
    log.add(gms[0]!, 8, 8, 'copyOut', 'x');
    log.add(gms[1]!, 72, 4, 'copyOutPad', 'y');
    log.add(gms[0]!, 100, 3, 'copyOutPad', 'x');
    expect(Array.from(log.writes.entries)).toEqual([0, 0, 16, 0, 1, 1, 64, 12, 0, 2, 0, 100, 3, 3, 1]);
  });

  it('finds a race or overwrite exactly when the writes one by one do (random writes, two cores)', () => {
    let seed = 12345;
    const rand = (k: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % k;
    };
    let failing = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const writes: Write[] = [];
      // Mostly rows that continue each other (what kernels do), sometimes one that lands on written elements.
      const cursor = [[0, 128], [40, 200]];
      for (let j = 0, m = 2 + rand(12); j < m; j++) {
        const core = rand(2);
        const gm = rand(2);
        const n = 1 + rand(9);
        const start = rand(5) === 0 ? rand(250) : cursor[core]![gm]!;
        cursor[core]![gm] = Math.min(start + n, 247);
        writes.push({ core, gm, start, n: Math.min(n, 256 - start) });
      }
      const exclusive = rand(2) === 0;
      const want = fails(writes, 2, exclusive, false);
      if (want) failing++;
      expect(fails(writes, 2, exclusive, true), JSON.stringify({ writes, exclusive })).toBe(want);
    }
    // Both outcomes were exercised.
    expect(failing).toBeGreaterThan(300);
    expect(failing).toBeLessThan(2700);
  });
});
