import { describe, expect, it } from 'vitest';
import { OnnxGraphBuilder, onnxAttr, parseOnnxModel } from '../src/onnx/index';
import { referenceDecode, referenceEnum } from './support/reference-onnx';

const DataType = referenceEnum('onnx.TensorProto.DataType');

/** The graph's node and initializer lists, decoded by protobufjs from the official onnx.proto (not by our codec). */
function decodeGraph(bytes: Uint8Array) {
  const graph = referenceDecode(bytes).graph;
  if (!graph) throw new Error('decoded model has no graph');
  return { nodes: graph.node ?? [], initializers: graph.initializer ?? [] };
}

describe('OnnxGraphBuilder', () => {
  it('writes IR 8 / opset 17 with named inputs, outputs, dynamic batch and scoped node names', () => {
    const g = new OnnxGraphBuilder({ graphName: 'g' });
    const x = g.addInput('x', ['batch', 3]);
    const y = g.scope('block', () => g.op('Relu', [g.op('Relu', [x])]));
    g.addOutput(y, ['batch', 3], { name: 'y' });
    const summary = parseOnnxModel(g.encode());
    expect(summary.irVersion).toBe(8);
    expect(summary.opsets).toEqual([{ domain: '', version: 17 }]);
    expect(summary.inputs).toEqual([{ name: 'x', elemType: 'float32', dims: ['batch', 3] }]);
    expect(summary.outputs).toEqual([{ name: 'y', elemType: 'float32', dims: ['batch', 3] }]);
    expect(summary.nodeOpTypes).toEqual(['Relu', 'Relu', 'Identity']);
    expect(summary.nodeNames).toEqual(['block/Relu_0', 'block/Relu_1', 'Identity_0']);
  });

  it('stores initializers as little-endian raw_data of the right ONNX type', () => {
    const g = new OnnxGraphBuilder();
    g.addInitializer('f', { data: Float32Array.of(1.5, -2), dims: [2] });
    g.addInitializer('i32', { data: Int32Array.of(-7, 3), dims: [2, 1] });
    g.addInitializer('i64', { data: Int32Array.of(-7, 3), dims: [2], as: 'int64' });
    g.addInitializer('big', { data: BigInt64Array.of(-(2n ** 40n)), dims: [] });
    g.constBool([true, false, true], [3], 'mask');
    g.addOutput(g.op('Identity', ['f']), [2]);
    const byName = new Map(decodeGraph(g.encode()).initializers.map((t) => [t.name, t]));
    const raw = (name: string) => {
      const r = byName.get(name)!.rawData ?? new Uint8Array(0);
      return new DataView(r.buffer, r.byteOffset, r.byteLength);
    };
    expect(byName.get('f')!.dataType).toBe(DataType.FLOAT);
    expect([raw('f').getFloat32(0, true), raw('f').getFloat32(4, true)]).toEqual([1.5, -2]);
    expect(byName.get('i32')!.dataType).toBe(DataType.INT32);
    expect([raw('i32').getInt32(0, true), raw('i32').getInt32(4, true)]).toEqual([-7, 3]);
    expect(byName.get('i64')!.dataType).toBe(DataType.INT64);
    expect([raw('i64').getBigInt64(0, true), raw('i64').getBigInt64(8, true)]).toEqual([-7n, 3n]);
    expect(raw('big').getBigInt64(0, true)).toBe(-(2n ** 40n));
    const mask = byName.get('mask_0')!;
    expect(mask.dataType).toBe(DataType.BOOL);
    expect([...(mask.rawData ?? [])]).toEqual([1, 0, 1]);
  });

  it('encodes every attribute kind', () => {
    const g = new OnnxGraphBuilder();
    const x = g.addInput('x', [1]);
    const y = g.op('Custom', [x], {
      i: onnxAttr.int(-1),
      is: onnxAttr.ints([1, 2]),
      f: onnxAttr.float(0.5),
      fs: onnxAttr.floats([0.25]),
      s: onnxAttr.string('abc'),
      t: onnxAttr.tensor({ data: Float32Array.of(3), dims: [1] }),
    });
    g.addOutput(y, [1]);
    const attrs = new Map((decodeGraph(g.encode()).nodes[0]!.attribute ?? []).map((a) => [a.name, a]));
    const T = referenceEnum('onnx.AttributeProto.AttributeType');
    expect(attrs.get('i')!.type).toBe(T.INT);
    expect(Number(attrs.get('i')!.i)).toBe(-1);
    expect((attrs.get('is')!.ints ?? []).map(Number)).toEqual([1, 2]);
    expect(attrs.get('f')!.f).toBe(0.5);
    expect(attrs.get('fs')!.floats).toEqual([0.25]);
    expect(new TextDecoder().decode(attrs.get('s')!.s ?? undefined)).toBe('abc');
    expect((attrs.get('t')!.t!.dims ?? []).map(Number)).toEqual([1]);
  });

  it('gives every node a unique name and every multi-output node distinct output names', () => {
    const g = new OnnxGraphBuilder();
    const x = g.addInput('x', [4]);
    const [values, indices] = g.addNode({ opType: 'TopK', inputs: [x, g.constInt64([2])], outputs: 2 });
    g.addOutput(values!, [2]);
    g.addOutput(indices!, [2], { elemType: 'int64' });
    g.addOutput(g.op('Neg', [x]), [4]);
    const names = decodeGraph(g.encode()).nodes.map((n) => n.name);
    expect(new Set(names).size).toBe(names.length);
    expect(values).not.toBe(indices);
  });

  it('memo returns the same value for the same key', () => {
    const g = new OnnxGraphBuilder();
    const a = g.memo('one', () => g.constFloat(1));
    const b = g.memo('one', () => g.constFloat(1));
    expect(a).toBe(b);
  });

  it('rejects dangling inputs, duplicate names, bad dims and empty graphs with named errors', () => {
    const g = new OnnxGraphBuilder();
    g.addInput('x', [2]);
    expect(() => g.op('Relu', ['nope'])).toThrow(/node 'Relu_0' \(Relu\) input 0 'nope' is not defined/);
    expect(() => g.addInput('x', [2])).toThrow(/'x'.*already defined/);
    expect(() => g.addInitializer('w', { data: Float32Array.of(1, 2, 3), dims: [2, 2] })).toThrow(
      /dims \[2, 2\] hold 4 elements but the data has 3/,
    );
    expect(() => g.addInput('y', [-1])).toThrow(/dimension -1/);
    expect(() => g.addInput('z', [2], 'float64' as never)).toThrow(/unsupported element type 'float64'/);
    expect(() => g.addOutput('missing', [2])).toThrow(/'missing' is not defined/);
    expect(() => g.encode()).toThrow(/no outputs/);
  });
});

describe('parseOnnxModel', () => {
  it('names the file and the reason when bytes are not an ONNX model', () => {
    expect(() => parseOnnxModel(new Uint8Array([0xff, 0xff, 0xff, 0xff]), 'broken.onnx')).toThrow(
      /^model file broken\.onnx failed to parse: /,
    );
    expect(() => parseOnnxModel(new Uint8Array(0), 'empty.onnx')).toThrow(/model file empty\.onnx failed to parse: the file is empty/);
    expect(() => parseOnnxModel(new TextEncoder().encode('{"not": "onnx"}'), 'model.json')).toThrow(
      /model file model\.json failed to parse/,
    );
  });

  it('rejects a truncated model', () => {
    const g = new OnnxGraphBuilder();
    g.addOutput(g.op('Relu', [g.addInput('x', [2])]), [2]);
    const bytes = g.encode();
    expect(() => parseOnnxModel(bytes.subarray(0, bytes.length - 3), 'cut.onnx')).toThrow(/model file cut\.onnx failed to parse/);
  });
});

describe('OnnxGraphBuilder.encode', () => {
  it('returns a plain Uint8Array that owns its whole buffer', () => {
    const g = new OnnxGraphBuilder();
    g.addOutput(g.op('Relu', [g.addInput('x', [2])]), [2]);
    const bytes = g.encode();
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
  });
});
