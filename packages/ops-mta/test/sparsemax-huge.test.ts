import '@mta/ops-mta/register';
import { sparsemaxReference } from '@mta/ops-mta/testing';
import { describe, expect, it } from 'vitest';
import { tensor } from '@mta/core';
import { SparsemaxTauSearch, sparsemax } from '@mta/ops-mta';

/**
 * Issue 13, item 3: sparsemax returned all-NaN rows for |x| >= 1e16 (max - 1 == max in float64, so the
 * support search found nothing). Every implementation now works on x - max(x). Checked against an
 * independent float64 sort-based sparsemax (on the float32 values the kernels see), for the cpu op and
 * the npu kernels' threshold search; the MTA op on cpu/npu/composite is in op-masked-large-scores.test.ts
 * and ONNX in examples/ort/test/ort-sparsemax-huge.test.ts.
 */
const reference = (row: readonly number[]): number[] => Array.from(sparsemaxReference(row));

/** Rows of n float32 values: random at the given scale, with ties at the maximum and near-maximum entries. */
function rows(scale: number, count: number, n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const x = Float32Array.from({ length: count * n }, () => (next() - 0.5) * 2 * scale);
  // A tie at the maximum in row 1, a neighbour within float32 rounding of the maximum in row 2.
  if (count > 2) {
    x[n] = x[n + 1] = scale * 2;
    x[2 * n] = scale * 2;
    x[2 * n + 1] = Math.fround(scale * 2 * (1 - 2 ** -20));
  }
  return x;
}

const SCALES = [1, 1e8, 1e16, 1e20, 1e30, 1e38];

describe('sparsemax of huge scores matches a float64 reference', () => {
  it.each(SCALES)('cpu sparsemax op, scale %d', async (scale) => {
    const n = 7;
    const x = rows(scale, 5, n, Math.log10(scale) + 3);
    for (const dtype of ['float32', 'float64'] as const) {
      const y = Array.from((await sparsemax(tensor(x, [5, n], { dtype })).data()) as ArrayLike<number>);
      for (let r = 0; r < 5; r++) {
        const expected = reference(Array.from(x.subarray(r * n, (r + 1) * n)));
        const got = y.slice(r * n, (r + 1) * n);
        for (let c = 0; c < n; c++) expect(got[c], `${dtype} row ${r} col ${c}`).toBeCloseTo(expected[c]!, 6);
      }
    }
  });

  it.each(SCALES)('npu threshold search (SparsemaxTauSearch), scale %d', (scale) => {
    const n = 9;
    const x = rows(scale, 4, n, Math.log10(scale) + 11);
    const search = new SparsemaxTauSearch();
    for (let r = 0; r < 4; r++) {
      const row = Array.from(x.subarray(r * n, (r + 1) * n));
      const max = Math.max(...row);
      const tau = search.find(max, (taus, k, sums, counts) => {
        for (let q = 0; q < k; q++) {
          for (const v of row) {
            if (v - max > taus[q]!) {
              sums[q] += v - max;
              counts[q] += 1;
            }
          }
        }
      });
      const expected = reference(row);
      row.forEach((v, c) => expect(Math.max(v - max - tau, 0), `row ${r} col ${c}`).toBeCloseTo(expected[c]!, 6));
    }
  });

  it('a row with NaN or +Inf is NaN on cpu and in the npu search; -Inf entries get 0', async () => {
    const y = Array.from((await sparsemax(tensor(Float32Array.of(1, NaN, 0, 2, 1, Infinity, 0, 2, 1, -Infinity, 0, 2), [3, 4])).data()) as ArrayLike<number>);
    expect(y.slice(0, 8).every(Number.isNaN)).toBe(true);
    expect(y.slice(8)).toEqual([0, 0, 0, 1]);
    const search = new SparsemaxTauSearch();
    expect(search.find(NaN, () => undefined)).toBeNaN();
    expect(search.find(Infinity, () => undefined)).toBeNaN();
  });
});
