/** RunSet against a plain array of tags, over random runs: overlaps, joins, unions and gaps. */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@mta/core';
import { RunSet } from '../src/run-set.js';

describe('RunSet', () => {
  it('tagged disjoint runs: the first overlapping run is the first tagged element, and touching runs of one tag join', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const next = mulberry32(seed);
      const n = 200;
      const ref = new Int32Array(n);
      const set = new RunSet();
      for (let step = 0; step < 300; step++) {
        const start = Math.floor(next() * n);
        const end = Math.min(n, start + 1 + Math.floor(next() * 12));
        const tag = 1 + Math.floor(next() * 3);
        let first = -1;
        for (let i = start; i < end && first < 0; i++) if (ref[i] !== 0) first = i;
        const k = set.overlapping(start, end);
        if (first < 0) {
          expect(k).toBe(-1);
          set.addDisjoint(start, end, tag);
          ref.fill(tag, start, end);
        } else {
          expect(Math.max(start, set.startOf(k))).toBe(first);
          expect(set.tagOf(k)).toBe(ref[first]);
        }
      }
      expect(set.covered).toBe(ref.filter((t) => t !== 0).length);
      // Runs are maximal: no two touching runs share a tag.
      let runs = 0;
      for (let i = 0; i < n; i++) if (ref[i] !== 0 && (i === 0 || ref[i - 1] !== ref[i])) runs++;
      expect(set.runs).toBe(runs);
    }
  });

  it('unions: gaps, the first gap in a range and the count covered', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const next = mulberry32(100 + seed);
      const n = 150;
      const ref = new Uint8Array(n);
      const set = new RunSet();
      for (let step = 0; step < 40; step++) {
        const start = Math.floor(next() * n);
        const end = Math.min(n, start + Math.floor(next() * 20));
        set.union(start, end);
        ref.fill(1, start, end);
        const a = Math.floor(next() * n);
        const b = Math.min(n, a + Math.floor(next() * 30));
        let gap = -1;
        for (let i = a; i < b && gap < 0; i++) if (ref[i] === 0) gap = i;
        expect(set.firstGap(a, b)).toBe(gap);
      }
      expect(set.covered).toBe(ref.reduce((s, x) => s + x, 0));
      const gaps: Array<[number, number]> = [];
      for (let i = 0; i < n; i++) {
        if (ref[i] === 0) {
          let j = i;
          while (j < n && ref[j] === 0) j++;
          gaps.push([i, j]);
          i = j;
        }
      }
      expect(set.gaps(n)).toEqual(gaps);
    }
  });
});
