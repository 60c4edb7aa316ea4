import { onnxAttr, type OnnxGraphBuilder } from '../onnx/index.js';
import type { OpDef } from '../op.js';
import type { Tensor } from '../tensor.js';
import { registerOnnxLowering, type LoweringContext } from './lowering.js';
import { bandKeepMask } from './band-mask.js';
import { reshapeTarget } from './reshape-shape.js';
import { shapeValue } from './shape-value.js';
import { Contiguous } from '../ops/contiguous-op.js';
import { Expand, Permute, Reshape, Slice } from '../ops/views.js';
import { BINARY_OPS, COMPARE_OPS, UNARY_OPS, Where, Cast, type BinaryKind, type CompareKind, type UnaryKind } from '../ops/elementwise.js';
import { Max, Sum } from '../ops/reduce.js';
import { MatMul } from '../ops/matmul.js';
import { LogSoftmax, Softmax } from '../ops/softmax.js';
import { BandMask } from '../ops/masks.js';
import { Conv2d } from '../ops/conv.js';
import { IndexSelect } from '../ops/indexing.js';
import { Positions } from '../ops/positions.js';
import { Pad } from '../ops/pad.js';
import { Concat } from '../ops/concat.js';
import { ToDevice } from '../transfer.js';

/** ONNX lowerings of core's primitive ops (forward ops only: export never traces a backward). */
const single = <A>(op: OpDef<A>, lower: (ctx: LoweringContext<A>) => string): void => {
  registerOnnxLowering(op, (ctx) => [lower(ctx)]);
};

/** A scalar constant of `like`'s dtype: Where and Pad need their fill in the data's own element type. */
function scalarLike(g: OnnxGraphBuilder, value: number, like: Tensor, hint: string): string {
  if (like.dtype === 'int32') return g.constant({ data: Int32Array.of(value), dims: [] }, hint);
  if (like.dtype === 'bool') return g.constBool([value !== 0], [], hint);
  return g.constFloat(value, [], hint);
}

const BINARY_ONNX: Record<BinaryKind, string> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', pow: 'Pow', maximum: 'Max', minimum: 'Min' };
for (const [kind, op] of Object.entries(BINARY_OPS)) single(op, ({ g, inputs }) => g.op(BINARY_ONNX[kind as BinaryKind], inputs));

const COMPARE_ONNX: Record<CompareKind, string> = {
  equal: 'Equal', notEqual: 'Equal', less: 'Less', lessEqual: 'LessOrEqual', greater: 'Greater', greaterEqual: 'GreaterOrEqual',
};
for (const [kind, op] of Object.entries(COMPARE_OPS)) {
  single(op, ({ g, inputs }) => {
    const r = g.op(COMPARE_ONNX[kind as CompareKind], inputs);
    return kind === 'notEqual' ? g.op('Not', [r]) : r;
  });
}

const UNARY_ONNX: Record<UnaryKind, string> = {
  neg: 'Neg', exp: 'Exp', log: 'Log', sqrt: 'Sqrt', abs: 'Abs', tanh: 'Tanh', sigmoid: 'Sigmoid', relu: 'Relu', sign: 'Sign',
};
for (const [kind, op] of Object.entries(UNARY_OPS)) single(op, ({ g, inputs }) => g.op(UNARY_ONNX[kind as UnaryKind], inputs));

single(Where, ({ g, inputs }) => g.op('Where', inputs));
const ONNX_TYPE_CODE: Record<string, number> = { float32: 1, int32: 6, bool: 9, float64: 11 };
single(Cast, ({ g, inputs, attrs }) => {
  const to = ONNX_TYPE_CODE[attrs.dtype];
  if (to === undefined) throw new Error(`exportOnnx: cast to ${attrs.dtype} has no ONNX export; keep the model in float32`);
  return g.op('Cast', inputs, { to: onnxAttr.int(to) });
});

single(Sum, ({ g, inputs, attrs }) =>
  g.op('ReduceSum', [inputs[0]!, g.constInt64(attrs.axes)], { keepdims: onnxAttr.int(attrs.keepDims ? 1 : 0) }));
// ReduceMax takes its axes as an attribute up to opset 17.
single(Max, ({ g, inputs, attrs }) =>
  g.op('ReduceMax', inputs, { axes: onnxAttr.ints(attrs.axes), keepdims: onnxAttr.int(attrs.keepDims ? 1 : 0) }));
single(MatMul, ({ g, inputs }) => g.op('MatMul', inputs));
single(Softmax, ({ g, inputs, attrs }) => g.op('Softmax', inputs, { axis: onnxAttr.int(attrs.axis) }));
single(LogSoftmax, ({ g, inputs, attrs }) => g.op('LogSoftmax', inputs, { axis: onnxAttr.int(attrs.axis) }));

/**
 * Band masks become Where over a bool mask of the last two axes, computed from the input's runtime shape
 * (so a dynamic sequence length works): Where never reads the unselected value, so NaN scores above the
 * diagonal stay out (Trilu would only fill zeros).
 */
single(BandMask, ({ g, inputs, inputTensors, attrs }) => {
  const x = inputTensors[0]!;
  const mask = bandKeepMask(g, inputs[0]!, attrs.upper, attrs.k, `${x.shape[x.ndim - 2]}x${x.shape[x.ndim - 1]}`);
  // ONNX Runtime has no bool Where kernel: a bool band is And with the mask (fill false) or Or with its complement (fill true).
  if (x.dtype === 'bool') return attrs.fill ? g.op('Or', [inputs[0]!, g.op('Not', [mask])]) : g.op('And', [inputs[0]!, mask]);
  const fill = scalarLike(g, attrs.fill, x, 'fill');
  return g.op('Where', [mask, inputs[0]!, fill]);
});

single(Conv2d, ({ g, inputs, inputTensors, attrs }) => {
  const w = inputTensors[1]!;
  const [top, bottom, left, right] = attrs.pads;
  return g.op('Conv', inputs, {
    kernel_shape: onnxAttr.ints([w.shape[2]!, w.shape[3]!]),
    // ONNX orders pads as all begins, then all ends.
    pads: onnxAttr.ints([top, left, bottom, right]),
    dilations: onnxAttr.ints(attrs.dilation),
    strides: onnxAttr.ints([1, 1]),
    group: onnxAttr.int(attrs.groups),
  });
});

single(IndexSelect, ({ g, inputs, attrs }) => g.op('Gather', inputs, { axis: onnxAttr.int(attrs.axis) }));
single(Pad, ({ g, inputs, inputTensors, attrs }) => {
  const n = inputTensors[0]!.ndim;
  const begins = Array.from({ length: n }, (_, i) => attrs.pads[2 * i]!);
  const ends = Array.from({ length: n }, (_, i) => attrs.pads[2 * i + 1]!);
  const value = scalarLike(g, attrs.value, inputTensors[0]!, 'pad_value');
  return g.op('Pad', [inputs[0]!, g.constInt64([...begins, ...ends]), value], { mode: onnxAttr.string('constant') });
});
single(Concat, ({ g, inputs, attrs }) => g.op('Concat', inputs, { axis: onnxAttr.int(attrs.axis) }));

/*
 * Shapes written into the graph say "as the input" wherever they can, so an axis that is dynamic at run
 * time is carried through instead of fixed at its traced size: Reshape (see reshapeTarget), Expand keeps
 * an axis of the input's own size (1), Slice runs to the end.
 * The exporter's second trace fails the export where this is not enough.
 */
single(Reshape, ({ g, inputs, inputTensors, outputTensors, dynamic }) =>
  g.op('Reshape', [inputs[0]!, reshapeTarget(g, inputs[0]!, inputTensors[0]!.shape, outputTensors[0]!.shape, dynamic)]));
single(Permute, ({ g, inputs, attrs }) => g.op('Transpose', inputs, { perm: onnxAttr.ints(attrs.axes) }));
// An axis broadcast from 1 to a dynamic size takes that size from the graph inputs' shapes.
single(Expand, ({ g, inputs, inputTensors, attrs, dynamic }) => {
  const x = inputTensors[0]!;
  const lead = attrs.shape.length - x.ndim;
  const dims = attrs.shape.map((d, i) => (i >= lead && x.shape[i - lead] === d ? 1 : dynamic.outputs[0]?.[i] ? dynamic.outputSize(0, i) ?? d : d));
  return g.op('Expand', [inputs[0]!, shapeValue(g, dims)]);
});
const INT64_MAX = 2n ** 63n - 1n;
single(Slice, ({ g, inputs, inputTensors, attrs }) => {
  const x = inputTensors[0]!;
  const axes = attrs.starts.map((_, i) => i);
  const ends = BigInt64Array.from(attrs.ends, (e, i) => (e === x.shape[i] ? INT64_MAX : BigInt(e)));
  return g.op('Slice', [inputs[0]!, g.constInt64(attrs.starts), g.constInt64(ends), g.constInt64(axes)]);
});
// Range over Shape(x)[axis], not the traced length: position ids follow a dynamic sequence length.
single(Positions, ({ g, inputs, attrs }) => {
  const length = g.op('Squeeze', [g.op('Shape', inputs, { start: onnxAttr.int(attrs.axis), end: onnxAttr.int(attrs.axis + 1) })]);
  const zero = g.memo('i64/0', () => g.constInt64(0, undefined, 'zero'));
  const one = g.memo('i64/1', () => g.constInt64(1, undefined, 'one'));
  return g.op('Cast', [g.op('Range', [zero, length, one])], { to: onnxAttr.int(ONNX_TYPE_CODE.int32!) });
});
single(Contiguous, ({ g, inputs }) => g.op('Identity', inputs));
single(ToDevice, ({ g, inputs }) => g.op('Identity', inputs));
