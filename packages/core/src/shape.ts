import { describeValue, InvalidArgumentError } from './errors.js';

/** Shapes, strides and broadcasting: pure functions over number arrays. */
export type Shape = readonly number[];

/** The largest element count a tensor may have (a typed array's limit on 64-bit engines, 2^32 - 1 safe bound). */
export const MAX_TENSOR_ELEMENTS = 2 ** 32 - 1;

/**
 * Checks a shape a caller handed in: an array of non-negative integer dims whose product a typed array can
 * hold. Every entry point that takes a shape calls it, so NaN, negative or fractional dims never reach an
 * allocation or a kernel.
 */
export function validateShape(shape: unknown, argument = 'shape'): asserts shape is Shape {
  if (!Array.isArray(shape)) {
    throw new InvalidArgumentError(argument, 'an array of non-negative integer dimensions', describeValue(shape));
  }
  shape.forEach((d: unknown, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new InvalidArgumentError(`${argument}[${i}]`, 'a non-negative integer dimension', describeValue(d), `whole shape ${describeValue(shape)}`);
    }
  });
  const n = sizeOf(shape as Shape);
  if (n > MAX_TENSOR_ELEMENTS) {
    throw new InvalidArgumentError(argument, `at most ${MAX_TENSOR_ELEMENTS} elements`, `${n} elements (${formatShape(shape as Shape)})`, 'split the tensor');
  }
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** NumPy broadcasting of two shapes, or undefined when they do not broadcast. */
export function tryBroadcastShapes(a: Shape, b: Shape): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalises a possibly negative axis; throws naming the argument when out of range. */
export function normalizeAxis(axis: number, ndim: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= Math.max(ndim, 1)) {
    throw new RangeError(`${what} ${axis} is out of range for a tensor of rank ${ndim}: expected an integer in [${-ndim}, ${ndim - 1}]`);
  }
  return axis < 0 ? axis + ndim : axis;
}

export function normalizeAxes(axes: number | readonly number[] | undefined, ndim: number): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = [...new Set(list.map((a) => normalizeAxis(a, ndim, 'axes entry')))];
  return out.sort((x, y) => x - y);
}

/** The shape after reducing `axes`, with size-1 dims kept or dropped. */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/**
 * Axes of `from` (a broadcast result) that must be summed to recover `to`: leading extra axes plus
 * axes where `to` had size 1. Used by every broadcasting op's gradient.
 */
export function broadcastReductionAxes(from: Shape, to: Shape): number[] {
  const lead = from.length - to.length;
  const axes: number[] = [];
  for (let i = 0; i < from.length; i++) {
    if (i < lead) axes.push(i);
    else if (to[i - lead] === 1 && from[i] !== 1) axes.push(i);
  }
  return axes;
}
