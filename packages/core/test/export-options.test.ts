import './nn-device';
import { describe, expect, it } from 'vitest';
import { ExportOptionError, arange, add, exportOnnx, parseOnnxModel, randNormal, relu, reshape, Rng, slice, softmax, tril, type Tensor } from '../src/index';

/** exportOnnx checks its options before tracing, and its dynamic axes after: nothing is ignored silently. */
const x = (): Tensor => randNormal(new Rng(1), [2, 3, 5, 5]);

describe('exportOnnx option checks', () => {
  it('names an unknown option and lists the known ones', () => {
    expect(() => exportOnnx((t) => relu(t), [x()], { dynamicAxis: {} } as never)).toThrow(ExportOptionError);
    expect(() => exportOnnx((t) => relu(t), [x()], { dynamicAxis: {} } as never)).toThrow(
      /unknown option 'dynamicAxis'; known options: inputNames, outputNames, parameters, dynamicBatch, dynamicAxes, precision, graphName, file/,
    );
  });

  it.each([
    [{ inputNames: 'x' }, /option 'inputNames' must be an array of non-empty strings, got 'x'/],
    [{ outputNames: ['y', 'y'] }, /option 'outputNames' must be an array of distinct names/],
    [{ dynamicBatch: 'yes' }, /option 'dynamicBatch' must be a boolean, got 'yes'/],
    [{ precision: 'bfloat16' }, /option 'precision' must be one of float32, float16, got 'bfloat16'/],
    [{ graphName: '' }, /option 'graphName' must be a non-empty string/],
    [{ parameters: [['w', 3]] }, /option 'parameters' must be a Map<Tensor, string> or an array of \[name, Tensor\] pairs/],
    [{ dynamicAxes: [] }, /option 'dynamicAxes' must be an object of axis maps by input name/],
    [{ dynamicAxes: { x: { one: 'L' } } }, /option 'dynamicAxes.x' must be keyed by integer axes, got 'one'/],
    [{ dynamicAxes: { x: { 2: 'seq len' } } }, /option 'dynamicAxes.x\[2\]' must be an identifier/],
  ])('rejects %j', (options, message) => {
    expect(() => exportOnnx((t) => relu(t), [x()], { inputNames: ['x'], ...options } as never)).toThrow(message);
  });

  it('rejects more names than inputs or outputs', () => {
    expect(() => exportOnnx((t) => relu(t), [x()], { inputNames: ['a', 'b'] })).toThrow(/option 'inputNames' names 2 inputs, but there are 1 example inputs/);
    expect(() => exportOnnx((t) => relu(t), [x()], { outputNames: ['a', 'b'] })).toThrow(/option 'outputNames' names 2 outputs, but the function returned 1/);
  });

  it('rejects dynamic axes of an unknown tensor, out of range, or one name with two sizes', () => {
    const two = [x(), randNormal(new Rng(2), [2, 3, 4, 4])];
    expect(() => exportOnnx((t) => relu(t), [x()], { inputNames: ['x'], dynamicAxes: { scores: { 0: 'batch' } } }))
      .toThrow(/dynamicAxes names 'scores', which is neither an input nor an output; inputs: x; outputs: output_0/);
    expect(() => exportOnnx((t) => relu(t), [x()], { inputNames: ['x'], dynamicAxes: { x: { 4: 'L' } } }))
      .toThrow(/dynamicAxes.x names axis 4, but 'x' has rank 4/);
    expect(() => exportOnnx((a, b) => [relu(a!), relu(b!)], two, { inputNames: ['a', 'b'], dynamicAxes: { a: { 2: 'L' }, b: { 2: 'L' } } }))
      .toThrow(/dynamic axis 'L' has size 5 in one place and 4 at b\[2\]/);
  });
});

describe('exportOnnx dynamic axes', () => {
  it('declares dim_params on inputs and on the output axes that follow them; negative axes count from the end', () => {
    const model = exportOnnx((t) => softmax(tril(t, 0, -1e9), -1), [x()], { inputNames: ['x'], outputNames: ['y'], dynamicAxes: { x: { 0: 'batch', [-2]: 'L', [-1]: 'L' } } });
    const summary = parseOnnxModel(model.bytes);
    expect(summary.inputs[0]!.dims).toEqual(['batch', 3, 'L', 'L']);
    expect(summary.outputs[0]!.dims).toEqual(['batch', 3, 'L', 'L']);
    expect(summary.initializers.every((i) => !i.dims.includes(5))).toBe(true);
  });

  it('names an output axis that is no single symbol after the output, and takes explicit output names', () => {
    const flatten = (t: Tensor): Tensor => reshape(t, [t.shape[0]! * t.shape[1]!, t.shape[2]!, t.shape[3]!]);
    const auto = parseOnnxModel(exportOnnx(flatten, [x()], { inputNames: ['x'], outputNames: ['y'], dynamicBatch: true }).bytes);
    expect(auto.outputs[0]!.dims).toEqual(['y_dim0', 5, 5]);
    const named = parseOnnxModel(exportOnnx(flatten, [x()], { inputNames: ['x'], outputNames: ['y'], dynamicAxes: { x: { 0: 'batch' }, y: { 0: 'rows' } } }).bytes);
    expect(named.outputs[0]!.dims).toEqual(['rows', 5, 5]);
  });

  it('fails, naming the constant, when the graph bakes in the traced size of a dynamic axis', () => {
    // arange(L) is a constant of the traced length, not an op on the input's shape.
    const positions = (t: Tensor): Tensor => add(t, arange(t.shape[3]!, { dtype: 'float32' }));
    expect(() => exportOnnx(positions, [x()], { inputNames: ['x'], dynamicAxes: { x: { 3: 'L' } } }))
      .toThrow(/depends on the example size of a dynamic axis \(traced at L: 5 then 6\): initializer .* has dims \[5\] at the example sizes and \[6\]/);
  });

  it('fails, naming the node, when a lowering must write a size that moves with a dynamic axis', () => {
    // A slice that stops short of the end writes its end index, which cannot follow L.
    const head = (t: Tensor): Tensor => slice(t, [0, 0, 0, 0], [t.shape[0]!, t.shape[1]!, t.shape[2]! - 1, t.shape[3]!]);
    expect(() => exportOnnx(head, [x()], { inputNames: ['x'], dynamicAxes: { x: { 2: 'L' } } }))
      .toThrow(/depends on the example size of a dynamic axis.*Slice/);
  });

  it('says which sizes a failed second trace used', () => {
    const onlyFive = (t: Tensor): Tensor => {
      if (t.shape[2] !== 5) throw new Error('this model needs L = 5');
      return relu(t);
    };
    expect(() => exportOnnx(onlyFive, [x()], { inputNames: ['x'], dynamicAxes: { x: { 2: 'L' } } }))
      .toThrow(/tracing again at other sizes of the dynamic axes \(L = 6\) failed.*this model needs L = 5/);
  });
});

describe("exportOnnx precision: 'float16'", () => {
  it('stores float inputs, outputs and parameters as float16, int32 inputs unchanged, and computes in float32', () => {
    const w = randNormal(new Rng(3), [5]);
    const model = exportOnnx((t) => relu(add(t, w)), [x()], { inputNames: ['x'], outputNames: ['y'], parameters: [['w', w]], precision: 'float16' });
    const summary = parseOnnxModel(model.bytes);
    expect(summary.inputs[0]!.elemType).toBe('float16');
    expect(summary.outputs[0]!.elemType).toBe('float16');
    expect(summary.initializers.find((i) => i.name === 'w')).toMatchObject({ elemType: 'float16', dims: [5] });
    expect(summary.nodeOpTypes.filter((op) => op === 'Cast')).toHaveLength(3);
  });
});

describe('positions(x, axis)', () => {
  it('gives int32 0..n-1 of the axis, and exports as Range over Shape so a dynamic length carries through', async () => {
    const { positions } = await import('../src/index');
    const t = randNormal(new Rng(4), [2, 6, 3]);
    const ids = positions(t, -2);
    expect([ids.dtype, [...ids.shape], [...ids.toArray()]]).toEqual(['int32', [6], [0, 1, 2, 3, 4, 5]]);
    const model = exportOnnx((x: Tensor) => positions(x, 1), [t], { inputNames: ['x'], outputNames: ['ids'], dynamicAxes: { x: { 1: 'L' } } });
    const summary = parseOnnxModel(model.bytes);
    expect(summary.outputs[0]).toEqual({ name: 'ids', elemType: 'int32', dims: ['L'] });
    expect(summary.nodeOpTypes).toEqual(expect.arrayContaining(['Shape', 'Range']));
  });
});
