import { newStorageArray, type DType } from '../dtype.js';
import { getDevice } from '../device.js';
import { Rng } from '../random.js';
import { tidy } from '../scope.js';
import { Tensor, writeTensor } from '../tensor.js';
import { tensor } from '../ops/creation.js';
import { expand, permute, slice } from '../ops/views.js';
import { expandRef, permuteRef, ref, sliceRef, type Ref } from './op-suite-reference.js';

/**
 * Plumbing for the shared op suite: the minimal test API it needs, seeded operands in several memory
 * layouts paired with their float64 reference values, and a closeness check that reports the first
 * mismatches readably.
 */
export interface OpSuiteMatchers {
  toBe(expected: unknown): void;
  toThrow(expected?: string | RegExp): void;
  toMatch(expected: RegExp): void;
}

/** The part of vitest's (or jest's) API the suite uses; pass `{ describe, it, expect }` from vitest. */
export interface OpSuiteTestApi {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => void | Promise<void>): void;
  expect(actual: unknown, message?: string): OpSuiteMatchers;
  /** Reports a case as skipped (vitest's `it.skip`); without it, cases the options skip are left out. */
  skip?(name: string, fn: () => void): void;
}

/**
 * dtypes a device stores in place of others: `{ float64: 'float32' }` runs every float64 case in float32
 * on a device without float64 (a GPU). Operands are created in the substitute with values it represents
 * exactly, the references stay float64, and results are checked at the substitute's tolerance.
 */
export type DtypeSubstitution = Readonly<Partial<Record<DType, DType>>>;

/** How an operand is laid out in memory when handed to an op. */
export type Layout = 'contiguous' | 'permuted' | 'sliced' | 'expanded';

export interface Operand {
  readonly t: Tensor;
  readonly r: Ref;
}

export interface ValueRange {
  readonly lo?: number;
  readonly hi?: number;
  /** Keep |x| >= this (for ops with a kink or pole at 0). */
  readonly awayFromZero?: number;
}

/** A generator seeded from a case name, so each case's data does not depend on which cases ran. */
export function rngFor(name: string): Rng {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619) >>> 0;
  return new Rng(h);
}

/** Values exactly representable in `dtype` (so references see what the device sees). */
export function randomValues(rng: Rng, n: number, dtype: DType, range: ValueRange = {}): number[] {
  const { lo = -2, hi = 2, awayFromZero = 0 } = range;
  return Array.from({ length: n }, () => {
    if (dtype === 'bool') return rng.uniform() < 0.5 ? 1 : 0;
    if (dtype === 'int32') return Math.floor(lo + (hi - lo + 1) * rng.uniform());
    let v = lo + (hi - lo) * rng.uniform();
    if (Math.abs(v) < awayFromZero) v = v < 0 ? -awayFromZero - rng.uniform() : awayFromZero + rng.uniform();
    return dtype === 'float32' ? Math.fround(v) : v;
  });
}

export class OperandFactory {
  constructor(readonly device: string, readonly rng: Rng, readonly substitute: DtypeSubstitution = {}) {}

  /** The dtype operands of `dtype` are created in on this device. */
  dtypeFor(dtype: DType): DType {
    return this.substitute[dtype] ?? dtype;
  }

  /** A tensor with given values (float64 reference alongside, of the values the device's dtype holds). */
  of(shape: readonly number[], values: readonly number[], dtype: DType = 'float64'): Operand {
    const stored = this.dtypeFor(dtype);
    const held = stored === 'float32' && dtype !== 'float32' ? values.map(Math.fround) : values;
    return { t: tensor(held, shape, { dtype: stored, device: this.device }), r: ref(shape, held) };
  }

  /**
   * A random operand of `shape` in the requested layout: permuted (a transposed base), sliced (an interior
   * window of a larger base, so with an offset) or expanded (a size-1 dim broadcast by stride 0).
   */
  random(shape: readonly number[], dtype: DType = 'float64', layout: Layout = 'contiguous', range: ValueRange = {}): Operand {
    const make = (s: readonly number[]): Operand => {
      const values = randomValues(this.rng, s.reduce((n, d) => n * d, 1), this.dtypeFor(dtype), range);
      return this.of(s, values, dtype);
    };
    switch (layout) {
      case 'contiguous': return make(shape);
      case 'permuted': {
        const axes = shape.map((_, i) => shape.length - 1 - i);
        const base = make(axes.map((a) => shape[a]!));
        return { t: permute(base.t, axes), r: permuteRef(base.r, axes) };
      }
      case 'sliced': {
        const base = make(shape.map((d) => d + 2));
        const starts = shape.map(() => 1), ends = shape.map((d) => d + 1);
        return { t: slice(base.t, starts, ends), r: sliceRef(base.r, starts, ends) };
      }
      case 'expanded': {
        const axis = shape.findIndex((d) => d > 1);
        if (axis < 0) return make(shape);
        const base = make(shape.map((d, i) => (i === axis ? 1 : d)));
        return { t: expand(base.t, shape), r: expandRef(base.r, shape) };
      }
    }
  }
}

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

export function defaultTolerance(dtype: DType): Tolerance {
  switch (dtype) {
    case 'float64': return { atol: 1e-12, rtol: 1e-10 };
    case 'float32': return { atol: 1e-5, rtol: 1e-5 };
    case 'float16': return { atol: 1e-3, rtol: 1e-3 };
    case 'bfloat16': return { atol: 1e-2, rtol: 1e-2 };
    default: return { atol: 0, rtol: 0 };
  }
}

/**
 * '' when `actual` matches the reference in shape, dtype and values (NaN matches NaN, infinities match
 * exactly); otherwise a description of the first mismatches.
 */
export function mismatch(actual: Tensor, expected: Ref, dtype: DType, tolerance: Tolerance = defaultTolerance(dtype)): string {
  const layout = layoutMismatch(actual, expected, dtype);
  return layout || valuesMismatch(actual.toNumbers(), expected, tolerance);
}

/** '' when the shape and dtype are the reference's (the part of `mismatch` that needs no read). */
export function layoutMismatch(actual: Tensor, expected: Ref, dtype: DType): string {
  const shapeOk = actual.shape.length === expected.shape.length && actual.shape.every((d, i) => d === expected.shape[i]);
  if (!shapeOk) return `shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`;
  if (actual.dtype !== dtype) return `dtype ${actual.dtype}, expected ${dtype}`;
  return '';
}

/** '' when the values (row-major, already read) match the reference's (the part of `mismatch` after the read). */
export function valuesMismatch(values: readonly number[], expected: Ref, tolerance: Tolerance): string {
  const bad: string[] = [];
  let count = 0;
  values.forEach((v, i) => {
    const e = expected.data[i]!;
    const ok = Number.isNaN(e) ? Number.isNaN(v) : !Number.isFinite(e) ? v === e : Math.abs(v - e) <= tolerance.atol + tolerance.rtol * Math.abs(e);
    if (!ok) {
      count++;
      if (bad.length < 5) bad.push(`[${i}] ${v} vs ${e}`);
    }
  });
  return count === 0 ? '' : `${count} of ${values.length} elements differ (atol ${tolerance.atol}, rtol ${tolerance.rtol}): ${bad.join('; ')}`;
}

/** Runs fn in a tidy scope and reports whether the device's live tensor count came back to where it was. */
export function liveTensorDelta(device: string, fn: () => void): number {
  const d = getDevice(device);
  const before = d.memoryStats().liveTensors;
  tidy(() => { fn(); });
  return d.memoryStats().liveTensors - before;
}

/** An uninitialised tensor whose storage is then set to raw values (bit patterns for half types). */
export function fromRawStorage(shape: readonly number[], dtype: DType, raw: ArrayLike<number>, device: string): Tensor {
  const t = Tensor.empty(shape, dtype, device);
  const values = newStorageArray(dtype, t.size);
  values.set(raw);
  writeTensor(t, values);
  return t;
}
