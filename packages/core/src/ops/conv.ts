import { defineOp } from '../op.js';
import { runOp1 } from '../dispatch.js';
import { formatShape } from '../shape.js';
import { isComputeFloat } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { sum } from './reduce.js';

/**
 * 2-D cross-correlation (PyTorch conv2d / ONNX Conv), stride 1, NCHW. Pads are [top, bottom, left, right],
 * so causal padding (rows above only) is expressible. The backward ops are named, so devices can fuse.
 */
export type Pads4 = readonly [top: number, bottom: number, left: number, right: number];

export interface Conv2dAttrs {
  readonly pads: Pads4;
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

export interface ConvOptions {
  readonly pads?: number | readonly [number, number] | Pads4;
  readonly dilation?: number | readonly [number, number];
  readonly groups?: number;
}

/** Output spatial size of a stride-1 convolution. */
export function convOutputSize(size: number, padBefore: number, padAfter: number, kernel: number, dilation: number): number {
  return size + padBefore + padAfter - dilation * (kernel - 1);
}

export function normalizeConvOptions(options: ConvOptions = {}): Conv2dAttrs {
  const p = options.pads ?? 0;
  const pads: Pads4 = typeof p === 'number' ? [p, p, p, p] : p.length === 2 ? [p[0], p[0], p[1], p[1]] : (p as Pads4);
  const d = options.dilation ?? 1;
  const dilation: [number, number] = typeof d === 'number' ? [d, d] : [d[0], d[1]];
  const groups = options.groups ?? 1;
  const bad = (what: string, v: unknown, expected: string) =>
    new Error(`conv2d: ${what} must be ${expected}, got ${JSON.stringify(v)}`);
  if (pads.length !== 4 || pads.some((x) => !Number.isInteger(x) || x < 0)) throw bad('pads', p, 'a non-negative integer, [padH, padW] or [top, bottom, left, right]');
  if (dilation.some((x) => !Number.isInteger(x) || x < 1)) throw bad('dilation', d, 'a positive integer or a pair of them');
  if (!Number.isInteger(groups) || groups < 1) throw bad('groups', groups, 'a positive integer');
  return { pads, dilation, groups };
}

/** Validates conv2d operands; returns the output shape. Shared by the forward and both backward ops. */
export function conv2dOutputShape(x: Tensor, w: Tensor, attrs: Conv2dAttrs, what = 'conv2d'): number[] {
  if (x.ndim !== 4) throw new Error(`${what}: input must be 4-D (N, C, H, W), got ${x.describe()}`);
  if (w.ndim !== 4) throw new Error(`${what}: weight must be 4-D (Cout, Cin/groups, kH, kW), got ${w.describe()}`);
  if (!isComputeFloat(x.dtype) || x.dtype !== w.dtype) {
    throw new Error(`${what}: input and weight must share a float dtype, got ${x.describe()} and ${w.describe()}`);
  }
  const [n, cin, h, wd] = x.shape as [number, number, number, number];
  const [cout, cinPerGroup, kh, kw] = w.shape as [number, number, number, number];
  const { groups, pads, dilation } = attrs;
  if (cin % groups !== 0 || cout % groups !== 0) {
    throw new Error(`${what}: channels must divide by groups=${groups}: input has ${cin}, weight has ${cout} output channels`);
  }
  if (cinPerGroup !== cin / groups) {
    throw new Error(`${what}: weight ${formatShape(w.shape)} expects ${cinPerGroup} input channels per group, ` +
      `input ${formatShape(x.shape)} with groups=${groups} has ${cin / groups}`);
  }
  const oh = convOutputSize(h, pads[0], pads[1], kh, dilation[0]);
  const ow = convOutputSize(wd, pads[2], pads[3], kw, dilation[1]);
  if (oh < 1 || ow < 1) {
    throw new Error(`${what}: kernel ${kh}x${kw} (dilation ${dilation.join('x')}) is larger than the padded input ` +
      `${h + pads[0] + pads[1]}x${wd + pads[2] + pads[3]}; pad more or use a smaller kernel`);
  }
  return [n, cout, oh, ow];
}

export interface BackpropInputAttrs extends Conv2dAttrs { readonly inputShape: readonly number[] }
export interface BackpropFilterAttrs extends Conv2dAttrs { readonly weightShape: readonly number[] }

/** dX from (dY, W): the transposed convolution. */
export const Conv2dBackpropInput = defineOp<BackpropInputAttrs>({
  name: 'Conv2dBackpropInput',
  role: 'backward',
  differentiable: false,
  infer: ([g], attrs) => [{ shape: attrs.inputShape, dtype: g!.dtype }],
});

/** dW from (X, dY): the correlation of the input with the output gradient. */
export const Conv2dBackpropFilter = defineOp<BackpropFilterAttrs>({
  name: 'Conv2dBackpropFilter',
  role: 'backward',
  differentiable: false,
  infer: ([x], attrs) => [{ shape: attrs.weightShape, dtype: x!.dtype }],
});

export const Conv2d = defineOp<Conv2dAttrs>({
  name: 'Conv2d',
  minInputs: 2,
  infer: ([x, w, b], attrs) => {
    const shape = conv2dOutputShape(x!, w!, attrs);
    if (b && (b.ndim !== 1 || b.shape[0] !== shape[1] || b.dtype !== x!.dtype)) {
      throw new Error(`conv2d: bias must be (${shape[1]}) ${x!.dtype}, got ${b.describe()}`);
    }
    return [{ shape, dtype: x!.dtype }];
  },
  backwardOps: [Conv2dBackpropInput, Conv2dBackpropFilter],
  grad: ({ inputs: [x, w, b], grads: [g], attrs }) => [
    x!.requiresGrad ? runOp1(Conv2dBackpropInput, [g!, w!], { ...attrs, inputShape: x!.shape }) : null,
    w!.requiresGrad ? runOp1(Conv2dBackpropFilter, [x!, g!], { ...attrs, weightShape: w!.shape }) : null,
    b?.requiresGrad ? sum(g!, [0, 2, 3]) : null,
  ],
});

export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  const attrs = normalizeConvOptions(options);
  return runOp1(Conv2d, bias ? [x, weight, bias] : [x, weight], attrs);
}
