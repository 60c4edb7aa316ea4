/**
 * The write ledger keeps each launch's writes as runs (run-set.ts): a second write must be reported at its
 * first element already written, with the core that wrote it, wherever the runs start and end.
 */
import { describe, expect, it } from 'vitest';
import { GmBuffer, GmOverwriteError, GmWriteRaceError, WriteLedger } from '../src/index.js';

function firstError(body: () => void): unknown {
  try {
    body();
    return null;
  } catch (e) {
    return e;
  }
}

describe('write ledger', () => {
  const gm = new GmBuffer(1, 'out', 'float32', [64], 64);

  it('reports the first element written twice, for every start and length around word boundaries', () => {
    for (let a = 0; a < 12; a++) {
      for (let an = 1; an < 10; an++) {
        for (let b = 0; b < 22; b++) {
          for (const bn of [1, 2, 3, 5, 8, 13]) {
            const ledger = new WriteLedger('k', 32);
            ledger.record(gm, a, an, 0, 'first');
            const overlap = Math.max(a, b) < Math.min(a + an, b + bn);
            const e = firstError(() => ledger.record(gm, b, bn, 1, 'second', 'ubuf'));
            if (!overlap) {
              expect(e).toBeNull();
              continue;
            }
            expect(e).toBeInstanceOf(GmWriteRaceError);
            expect((e as GmWriteRaceError).element).toBe(Math.max(a, b));
            expect((e as Error).message).toContain(`second of ${bn} elements at ${b} from UB 'ubuf'`);
          }
        }
      }
    }
  });

  it('names the same core writing twice an overwrite, and takes its block-owner arrays from the pool it was given', () => {
    const taken: Uint8Array[] = [];
    const given: Uint8Array[] = [];
    const ledger = new WriteLedger('k', 32, true, {
      take: (length) => {
        const a = new Uint8Array(length);
        taken.push(a);
        return a;
      },
      give: (a) => void given.push(a),
    });
    ledger.record(gm, 8, 8, 3, 'a');
    const e = firstError(() => ledger.record(gm, 15, 4, 3, 'b'));
    expect(e).toBeInstanceOf(GmOverwriteError);
    expect((e as GmOverwriteError).element).toBe(15);
    ledger.release();
    expect(given).toEqual(taken);
    expect(taken.length).toBe(1);
  });
});
