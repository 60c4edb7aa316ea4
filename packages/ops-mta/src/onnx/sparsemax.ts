import { onnxAttr, type OnnxAttribute, type OnnxGraphBuilder } from '@mta/core';

/**
 * Sparsemax (Martins & Astudillo 2016) along `axis` as standard ONNX ops, since ONNX has none:
 *
 *   z = TopK(x, n) sorted descending;  cs = CumSum(z);  r = 1..n
 *   support_r = 1 + r z_r > cs_r;      k = sum support;  tau = (sum_{support} z - 1) / k
 *   p = Relu(z - tau)        (z = x - max(x), below)
 *
 * x is first shifted by its maximum along the axis (sparsemax is shift-invariant): unshifted, float32
 * cumulative sums of scores >= ~1e8 swallow the 1 in `1 + r z_r > cs_r` and the support came out empty.
 * -inf entries (masked scores) stay -inf and get 0. A row holding a NaN comes out all NaN.
 *
 * 21 nodes. `axis` must be negative (counted from the end): the builder tracks no ranks, and the
 * rank vector r must broadcast against x as [n, 1, ..., 1]. With `size` (the length of `axis`)
 * K and r are initializers; without it they are computed from Shape(x), so the length may be dynamic
 * (the exporter's lowerings always do this).
 */
export function lowerSparsemax(g: OnnxGraphBuilder, x: string, axis: number, size?: number): string {
  if (!Number.isInteger(axis) || axis >= 0) {
    throw new RangeError(
      `lowerSparsemax: axis must be a negative integer (counted from the last axis, e.g. -1), got ${axis}.`,
    );
  }
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 1)) {
    throw new RangeError(`lowerSparsemax: size must be a positive integer (the length of axis ${axis}), got ${size}.`);
  }
  const trailingOnes = new Array<number>(-axis - 1).fill(1);
  const axisInt = onnxAttr.int(axis);
  const one = g.memo('f32/1', () => g.constFloat(1, undefined, 'one'));
  // K (the axis length) and the ranks 1..K: initializers for a static size, else computed from Shape(x)
  // in a scope of their own, so the 21 nodes of the algorithm stay one named block.
  const [k, ranks] = size !== undefined
    ? [
      g.memo(`sparsemax/k/${size}`, () => g.constInt64([size], undefined, 'k')),
      g.memo(`sparsemax/ranks/${size}/${axis}`, () =>
        g.constFloat(Float32Array.from({ length: size }, (_, i) => i + 1), [size, ...trailingOnes], 'ranks')),
    ]
    : g.scope('sparsemax_ranks', () => {
      const shapeAttrs: Record<string, OnnxAttribute> =
        axis === -1 ? { start: axisInt } : { start: axisInt, end: onnxAttr.int(axis + 1) };
      const length = g.op('Shape', [x], shapeAttrs);
      const n = g.op('Cast', [g.op('Squeeze', [length])], { to: onnxAttr.int(1 /* FLOAT */) });
      const range = g.op('Range', [one, g.op('Add', [n, one]), one]);
      return [length, g.op('Reshape', [range, g.constInt64([-1, ...trailingOnes], undefined, 'ranks_shape')])] as const;
    });
  return g.scope('sparsemax', () => {
    const axes = g.memo(`sparsemax/axes/${axis}`, () => g.constInt64([axis], undefined, 'axes'));
    const zero = g.memo('f32/0', () => g.constFloat(0, undefined, 'zero'));

    // opset 17: ReduceMax still takes its axes as an attribute.
    const z = g.op('Sub', [x, g.op('ReduceMax', [x], { axes: onnxAttr.ints([axis]), keepdims: onnxAttr.int(1) })]);
    const [sorted] = g.addNode({
      opType: 'TopK',
      inputs: [z, k],
      outputs: 2,
      attrs: { axis: axisInt, largest: onnxAttr.int(1), sorted: onnxAttr.int(1) },
    });
    const cumsum = g.op('CumSum', [sorted!, g.memo(`sparsemax/axis/${axis}`, () => g.constInt64(axis, undefined, 'axis'))]);
    const bound = g.op('Add', [g.op('Mul', [ranks, sorted!]), one]);
    const support = g.op('Greater', [bound, cumsum]);
    const supportSize = g.op('ReduceSum', [g.op('Cast', [support], { to: onnxAttr.int(1 /* FLOAT */) }), axes], {
      keepdims: onnxAttr.int(1),
    });
    const supportSum = g.op('ReduceSum', [g.op('Where', [support, sorted!, zero]), axes], { keepdims: onnxAttr.int(1) });
    const tau = g.op('Div', [g.op('Sub', [supportSum, one]), supportSize]);
    const p = g.op('Relu', [g.op('Sub', [z, tau])]);
    // A row holding a NaN is NaN, as on the cpu and npu: ReduceMax and TopK skip NaN in some runtimes, which
    // left such a row partly finite.
    // NaN is the one value not equal to itself: Not(Equal(x, x)) instead of IsNaN, which ORT 1.30's WebGPU
    // EP has no kernel for (the guard ran on its CPU EP, off the GPU).
    const nanCount = g.op('ReduceMax', [g.op('Cast', [g.op('Not', [g.op('Equal', [x, x])])], { to: onnxAttr.int(1 /* FLOAT */) })], {
      axes: onnxAttr.ints([axis]), keepdims: onnxAttr.int(1),
    });
    const nan = g.memo('f32/nan', () => g.constFloat(Number.NaN, undefined, 'nan'));
    return g.op('Where', [g.op('Greater', [nanCount, zero]), nan, p]);
  });
}
