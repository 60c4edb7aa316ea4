import './nn-device';
import { describe, expect, it } from 'vitest';
import { OnnxGraphBuilder, Rng, assertValidOnnxModel, decodeOnnxModel, exportOnnx, onnxModelProblems, randNormal, softmax, tril, type Tensor } from '../src/index';
import type { Onnx } from '../src/onnx/proto';

/** The checker rules ONNX Runtime enforces, on models that break one rule each, and on an exported model. */
function validModel(): Onnx.ModelProto {
  const g = new OnnxGraphBuilder({ graphName: 'g' });
  const x = g.addInput('x', ['batch', 3]);
  const w = g.addInitializer('w', { data: new Float32Array(3), dims: [3] });
  g.addOutput(g.op('Relu', [g.op('Add', [x, w])]), ['batch', 3], { name: 'y' });
  return g.toModelProto();
}

describe('onnxModelProblems', () => {
  it('passes a builder model and an exported model with dynamic axes', () => {
    expect(onnxModelProblems(validModel())).toEqual([]);
    const exported = exportOnnx((t: Tensor) => softmax(tril(t, 0, -1e9), -1), [randNormal(new Rng(1), [2, 4, 4])], { dynamicAxes: { input_0: { 0: 'batch', 1: 'L', 2: 'L' } } });
    expect(onnxModelProblems(decodeOnnxModel(exported.bytes))).toEqual([]);
  });

  it.each<[string, (m: Onnx.ModelProto) => void, RegExp]>([
    ['IR version', (m) => { m.irVersion = 7; }, /ir_version is 7, expected 8/],
    ['opset', (m) => { m.opsetImport = [{ domain: '', version: 13 }]; }, /default-domain opset is 13, expected 17/],
    ['topological order', (m) => { m.graph!.node!.reverse(); }, /reads 'Add_0' before it is defined \(nodes must be in topological order\)/],
    ['unique node names', (m) => { m.graph!.node![1]!.name = m.graph!.node![0]!.name; }, /node name used twice/],
    ['single assignment', (m) => { m.graph!.node![1]!.output = ['x']; }, /value 'x' .* is defined twice/],
    ['typed inputs', (m) => { m.graph!.input![0]!.type = {}; }, /graph input 'x' has no tensor type/],
    ['shaped outputs', (m) => { m.graph!.output![0]!.type!.tensorType!.shape = null; }, /graph output 'y' has no shape/],
    ['dims', (m) => { m.graph!.input![0]!.type!.tensorType!.shape!.dim![0] = {}; }, /axis 0 has neither dim_value nor dim_param/],
    ['outputs produced', (m) => { m.graph!.output![0]!.name = 'nowhere'; }, /graph output 'nowhere' is not produced by the graph/],
    ['initializer size', (m) => { m.graph!.initializer![0]!.dims = [4]; }, /raw_data has 12 bytes, dims \[4\] need 16/],
    ['attribute fields', (m) => { m.graph!.node![0]!.attribute = [{ name: 'axis', type: 2, f: 1 }]; }, /attribute 'axis' is declared i but holds no i/],
  ])('finds a broken rule: %s', (_rule, breakIt, message) => {
    const model = validModel();
    breakIt(model);
    expect(onnxModelProblems(model).join('\n')).toMatch(message);
    expect(() => assertValidOnnxModel(model)).toThrow(/breaks the ONNX checker's rules/);
  });
});
