import { defineOp } from '../op.js';
import { contiguousRaw, runOp1 } from '../dispatch.js';
import { contiguousStrides, validateShape, formatShape, normalizeAxis, shapesEqual, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { Contiguous } from './contiguous-op.js';

/**
 * Views: new shape/strides/offset over the same storage, computed by core for every device.
 * Reshape copies only when the layout cannot be expressed as strides.
 */
interface ReshapeAttrs { readonly shape: readonly number[] }

function inferReshape(x: Tensor, requested: Shape): number[] {
  const shape = [...requested];
  const unknown = shape.indexOf(-1);
  const known = shape.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
  if (unknown >= 0) {
    if (shape.indexOf(-1, unknown + 1) >= 0) throw new Error(`reshape: at most one -1 in the new shape, got ${formatShape(requested)}`);
    if (known === 0 || x.size % known !== 0) {
      throw new Error(`reshape: cannot infer -1 in ${formatShape(requested)} for ${x.describe()} of ${x.size} elements`);
    }
    shape[unknown] = x.size / known;
  }
  if (shape.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(shape) !== x.size) {
    throw new Error(`reshape: ${x.describe()} has ${x.size} elements, the new shape ${formatShape(requested)} has ${sizeOf(shape)}`);
  }
  return shape;
}

export const Reshape = defineOp<ReshapeAttrs>({
  name: 'Reshape',
  infer: ([x], { shape }) => [{ shape: inferReshape(x!, shape), dtype: x!.dtype }],
  forward: ([x], { shape }) => {
    const target = inferReshape(x!, shape);
    // Off the tape and invisible to tracers: the Reshape node itself carries the gradient.
    const source = x!.isContiguous ? x! : contiguousRaw(x!);
    const view = new Tensor(source.storage, target, contiguousStrides(target), source.offset);
    if (source !== x) source.dispose();
    return [view];
  },
  grad: ({ inputs, grads }) => [reshape(grads[0]!, inputs[0]!.shape)],
});

interface PermuteAttrs { readonly axes: readonly number[] }

export const Permute = defineOp<PermuteAttrs>({
  name: 'Permute',
  infer: ([x], { axes }) => {
    const ok = axes.length === x!.ndim && [...axes].sort((a, b) => a - b).every((a, i) => a === i);
    if (!ok) throw new Error(`permute: axes ${formatShape(axes)} must be a permutation of 0..${x!.ndim - 1} for ${x!.describe()}`);
    return [{ shape: axes.map((a) => x!.shape[a]!), dtype: x!.dtype }];
  },
  forward: ([x], { axes }) => [new Tensor(x!.storage, axes.map((a) => x!.shape[a]!), axes.map((a) => x!.strides[a]!), x!.offset)],
  grad: ({ grads, attrs }) => {
    const inverse = new Array<number>(attrs.axes.length);
    attrs.axes.forEach((a, i) => { inverse[a] = i; });
    return [permute(grads[0]!, inverse)];
  },
});

export interface ExpandAttrs { readonly shape: readonly number[] }

export const Expand = defineOp<ExpandAttrs>({
  name: 'Expand',
  infer: ([x], { shape }) => {
    const lead = shape.length - x!.ndim;
    const ok = lead >= 0 && x!.shape.every((d, i) => d === 1 || d === shape[lead + i]);
    if (!ok) throw new Error(`expand: ${x!.describe()} cannot be broadcast to ${formatShape(shape)}`);
    return [{ shape, dtype: x!.dtype }];
  },
  forward: ([x], { shape }) => {
    const lead = shape.length - x!.ndim;
    const strides = shape.map((d, i) => (i < lead || (x!.shape[i - lead] === 1 && d !== 1) ? 0 : x!.strides[i - lead]!));
    return [new Tensor(x!.storage, shape, strides, x!.offset)];
  },
  grad: 'deferred', // a Sum: see gradients.ts
});

export interface SliceAttrs { readonly starts: readonly number[]; readonly ends: readonly number[] }

export const Slice = defineOp<SliceAttrs>({
  name: 'Slice',
  infer: ([x], { starts, ends }) => [{ shape: starts.map((s, i) => ends[i]! - s), dtype: x!.dtype }],
  forward: ([x], { starts, ends }) => {
    const offset = starts.reduce((o, s, i) => o + s * x!.strides[i]!, x!.offset);
    return [new Tensor(x!.storage, starts.map((s, i) => ends[i]! - s), x!.strides, offset)];
  },
  grad: 'deferred', // a Pad: see gradients.ts
});

export function reshape(x: Tensor, shape: Shape): Tensor {
  // -1 (one inferred dim) is the only value besides a size that a new shape may hold.
  validateShape(Array.isArray(shape) ? shape.map((d) => (d === -1 ? 0 : d)) : shape, 'reshape shape');
  if (shapesEqual(x.shape, shape)) return x;
  return runOp1(Reshape, [x], { shape: [...shape] });
}

export function permute(x: Tensor, axes: readonly number[]): Tensor {
  return runOp1(Permute, [x], { axes: axes.map((a) => normalizeAxis(a, x.ndim, 'permute axis')) });
}

export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const axes = Array.from({ length: x.ndim }, (_, i) => i);
  const i = normalizeAxis(a, x.ndim, 'transpose axis a');
  const j = normalizeAxis(b, x.ndim, 'transpose axis b');
  [axes[i], axes[j]] = [axes[j]!, axes[i]!];
  return permute(x, axes);
}

export function expand(x: Tensor, shape: Shape): Tensor {
  validateShape(shape, 'expand shape');
  if (shapesEqual(x.shape, shape)) return x;
  return runOp1(Expand, [x], { shape: [...shape] });
}

/** Slices [starts, ends) per leading axes; negative indices count from the end; missing axes are whole. */
export function slice(x: Tensor, starts: readonly number[], ends?: readonly (number | undefined)[]): Tensor {
  if (starts.length > x.ndim) throw new Error(`slice: ${starts.length} starts for ${x.describe()} of rank ${x.ndim}`);
  const s: number[] = [];
  const e: number[] = [];
  for (let i = 0; i < x.ndim; i++) {
    const n = x.shape[i]!;
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
    const start = clamp(starts[i] ?? 0);
    const end = clamp(ends?.[i] ?? n);
    if (end < start) throw new Error(`slice: axis ${i} of ${x.describe()} has start ${starts[i]} after end ${ends?.[i]}`);
    s.push(start);
    e.push(end);
  }
  return runOp1(Slice, [x], { starts: s, ends: e });
}

export function contiguous(x: Tensor): Tensor {
  return x.isContiguous ? x : runOp1(Contiguous, [x], {});
}
