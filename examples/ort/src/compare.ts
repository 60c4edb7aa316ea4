/** ||got - expected||_F / ||expected||_F, the golden tolerance measure, plus max abs error and finiteness. */
export interface Comparison {
  readonly relFro: number;
  readonly maxAbs: number;
  readonly allFinite: boolean;
}

export function compareTensors(got: ArrayLike<number>, expected: ArrayLike<number>): Comparison {
  if (got.length !== expected.length) {
    throw new RangeError(`compareTensors: got ${got.length} values, expected ${expected.length}.`);
  }
  let diff2 = 0;
  let ref2 = 0;
  let maxAbs = 0;
  let allFinite = true;
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!;
    const e = expected[i]!;
    if (!Number.isFinite(g)) allFinite = false;
    const d = g - e;
    diff2 += d * d;
    ref2 += e * e;
    maxAbs = Math.max(maxAbs, Math.abs(d));
  }
  const relFro = ref2 === 0 ? Math.sqrt(diff2) : Math.sqrt(diff2 / ref2);
  return { relFro, maxAbs, allFinite };
}
