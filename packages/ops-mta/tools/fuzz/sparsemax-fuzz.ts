/**
 * The fuzz of the standalone sparsemax op (part of `pnpm fuzz`): random shapes, axes (some out of range),
 * dtypes, devices and values (0 to 1e38, NaN/Inf, ties). Each call is a named error or matches an independent
 * float64 sort-based sparsemax of the values the call saw, with the project's non-finite semantics (a row with
 * NaN or +Inf, or only -Inf, is NaN; -Inf entries get 0).
 */
import fc from 'fast-check';
import { mulberry32, tensor, tidy } from '@mta/core';
import { sparsemax } from '../../src/index.js';
import { FuzzFailure, classifyError, host, type FuzzCounts, type FuzzDevice } from './mta-fuzz.js';
import { sparsemaxReference } from '../../src/testing/index.js';

export interface SparsemaxCase {
  readonly shape: readonly number[];
  readonly axis: number;
  readonly dtype: 'float32' | 'float64' | 'float16';
  readonly device: FuzzDevice;
  readonly seed: number;
  readonly scale: number;
  readonly special: 'none' | 'nan' | 'inf' | '-inf' | 'tie';
}

export const sparsemaxCaseOn = (devices: readonly FuzzDevice[]): fc.Arbitrary<SparsemaxCase> => fc.record({
  shape: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 }),
  axis: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -1, max: 0 }) }, { weight: 1, arbitrary: fc.integer({ min: -4, max: 3 }) }),
  dtype: fc.constantFrom('float32' as const, 'float32' as const, 'float64' as const, 'float16' as const),
  device: fc.constantFrom(...devices),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  scale: fc.constantFrom(0, 1e-30, 1, 1e4, 1e16, 1e30, 1e38),
  special: fc.constantFrom('none' as const, 'none' as const, 'nan' as const, 'inf' as const, '-inf' as const, 'tie' as const),
});

export const sparsemaxCase: fc.Arbitrary<SparsemaxCase> = sparsemaxCaseOn(['cpu', 'npu']);

/** The float64 reference of one line; a line holding NaN or +Inf is all NaN, as on every device. */
function referenceLine(z: readonly number[]): number[] {
  const max = z.reduce((m, v) => (v > m || Number.isNaN(v) ? v : m), -Infinity);
  if (!Number.isFinite(max)) return z.map(() => NaN);
  return Array.from(sparsemaxReference(z));
}

export async function checkSparsemaxCase(c: SparsemaxCase, counts?: FuzzCounts): Promise<'match' | 'named-error'> {
  const size = c.shape.reduce((a, b) => a * b, 1);
  const rand = mulberry32(c.seed);
  const values = Float64Array.from({ length: size }, () => (rand() - 0.5) * 2 * c.scale);
  if (size > 0 && c.special !== 'none') {
    const k = Math.floor(rand() * size);
    if (c.special === 'tie') values[(k + 1) % size] = values[k]!;
    else values[k] = { nan: NaN, inf: Infinity, '-inf': -Infinity }[c.special];
  }
  let seen: Float64Array;
  let got: Float64Array;
  try {
    // The call inside tidy, the reads (asynchronous on webgpu) after it.
    const kept = tidy(() => {
      const x = tensor(values, [...c.shape], { dtype: c.dtype, device: c.device });
      return [x, sparsemax(x, c.axis)];
    });
    try {
      [seen, got] = await Promise.all(kept.map(host)) as [Float64Array, Float64Array];
    } finally {
      kept.forEach((t) => t.dispose());
    }
  } catch (error) {
    return classifyError(error, counts);
  }
  const ndim = c.shape.length;
  const axis = c.axis < 0 ? c.axis + ndim : c.axis;
  const n = c.shape[axis]!;
  const inner = c.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = n * inner === 0 ? 0 : size / (n * inner);
  const tol = c.dtype === 'float16' ? 2e-3 : c.dtype === 'float32' ? 1e-6 : 1e-12;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const index = (r: number) => (o * n + r) * inner + i;
      const want = referenceLine(Array.from({ length: n }, (_, r) => seen[index(r)]!));
      for (let r = 0; r < n; r++) {
        const g = got[index(r)]!, w = want[r]!;
        const ok = Number.isNaN(w) ? Number.isNaN(g) : Math.abs(g - w) <= tol;
        if (!ok) throw new FuzzFailure(`sparsemax ${JSON.stringify(c)}: element ${index(r)} is ${g}, reference ${w}`);
      }
    }
  }
  if (counts) counts.match++;
  return 'match';
}
