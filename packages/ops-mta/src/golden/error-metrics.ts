/** Error measures for comparing results against golden data (README tolerance: relFro <= 1e-5, all finite). */

type Numbers = ArrayLike<number>;

function checkLengths(fn: string, got: Numbers, expected: Numbers): void {
  if (got.length !== expected.length) {
    throw new Error(`${fn}: got has ${got.length} elements but expected has ${expected.length}; compare tensors of the same shape.`);
  }
}

/**
 * ||got - expected||_F / ||expected||_F, in float64. NaN if any value is not finite (so a tolerance test
 * fails). When expected is all zeros it returns the absolute ||got||_F (0 when both are zero).
 */
export function relFrobenius(got: Numbers, expected: Numbers): number {
  checkLengths('relFrobenius', got, expected);
  let diff = 0;
  let norm = 0;
  for (let k = 0; k < got.length; k++) {
    const g = got[k];
    const e = expected[k];
    if (!Number.isFinite(g) || !Number.isFinite(e)) return NaN;
    diff += (g - e) * (g - e);
    norm += e * e;
  }
  return norm === 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
}

/** max |got - expected|; NaN if any value is not finite. */
export function maxAbs(got: Numbers, expected: Numbers): number {
  checkLengths('maxAbs', got, expected);
  let max = 0;
  for (let k = 0; k < got.length; k++) {
    const d = Math.abs(got[k] - expected[k]);
    if (!Number.isFinite(d)) return NaN;
    if (d > max) max = d;
  }
  return max;
}

export function allFinite(values: Numbers): boolean {
  for (let k = 0; k < values.length; k++) if (!Number.isFinite(values[k])) return false;
  return true;
}
