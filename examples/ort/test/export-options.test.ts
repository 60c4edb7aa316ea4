import '@mta/device-cpu/register';
import { Rng, exportOnnx, matmul, nn, noGrad, parseOnnxModel, randNormal, relu, softmax, tidy, type Tensor } from '@mta/core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareTensors, runOrtNode } from '../src/index';

/** exportOnnx's options, each checked in the parsed model and, where it changes behaviour, in ONNX Runtime. */
const dir = mkdtempSync(join(tmpdir(), 'mta-export-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Linear -> relu -> softmax, with its Linear as a named child (parameters 'fc.weight', 'fc.bias'). */
class Classifier extends nn.Module {
  readonly fc: nn.Linear;
  constructor(rng: Rng) {
    super();
    this.fc = this.registerModule('fc', new nn.Linear(6, 5, rng));
  }
  forward(x: Tensor): Tensor {
    return softmax(relu(this.fc.forward(x)), -1);
  }
}

const cpuForward = (m: nn.Module & { forward(x: Tensor): Tensor }, x: Tensor): Float32Array =>
  noGrad(() => tidy(() => m.forward(x).toArray() as Float32Array));

describe('exportOnnx options', () => {
  it('writes IR 8, opset 17, and the given input and output names', () => {
    const model = exportOnnx((a, b) => [relu(a!), softmax(b!, -1)], [randNormal(new Rng(1), [2, 3]), randNormal(new Rng(2), [4])], {
      inputNames: ['left', 'right'], outputNames: ['activated', 'probs'], graphName: 'named_graph',
    });
    const summary = parseOnnxModel(model.bytes);
    expect(summary.irVersion).toBe(8);
    expect(summary.opsets).toEqual([{ domain: '', version: 17 }]);
    expect(summary.graphName).toBe('named_graph');
    expect(summary.inputs.map((v) => [v.name, v.elemType, v.dims])).toEqual([['left', 'float32', [2, 3]], ['right', 'float32', [4]]]);
    expect(summary.outputs.map((v) => [v.name, v.dims])).toEqual([['activated', [2, 3]], ['probs', [4]]]);
    expect(model.inputNames).toEqual(['left', 'right']);
    expect(model.outputNames).toEqual(['activated', 'probs']);
    // Nodes are named after the op that made them, so a failing node in ORT points back at the trace.
    expect(summary.nodeNames.some((n) => n.startsWith('Relu/'))).toBe(true);
    expect(summary.nodeNames.some((n) => n.startsWith('Softmax/'))).toBe(true);
  });

  it("makes an nn.Linear's parameters named initializers with their values", async () => {
    const linear = new nn.Linear(4, 3, new Rng(3));
    const x = randNormal(new Rng(4), [2, 4]);
    const model = exportOnnx(linear, [x], { inputNames: ['x'], outputNames: ['y'] });
    const summary = parseOnnxModel(model.bytes);
    const inits = new Map(summary.initializers.map((v) => [v.name, v]));
    expect(inits.get('weight')).toMatchObject({ elemType: 'float32', dims: [3, 4] });
    expect(inits.get('bias')).toMatchObject({ elemType: 'float32', dims: [3] });
    const result = await runOrtNode(model.bytes, { x: { data: x.toArray() as Float32Array, dims: [2, 4] } });
    expect(compareTensors(result.outputs['y']!.data, cpuForward(linear, x)).relFro).toBeLessThanOrEqual(1e-6);
  });

  it("names a child module's parameters by their dotted path", () => {
    const model = exportOnnx(new Classifier(new Rng(5)), [randNormal(new Rng(6), [2, 6])]);
    const names = parseOnnxModel(model.bytes).initializers.map((v) => v.name);
    expect(names).toEqual(expect.arrayContaining(['fc.weight', 'fc.bias']));
  });

  it('names explicitly passed parameters of a traced function, and only those the trace used', async () => {
    const w = randNormal(new Rng(7), [3, 2]);
    const unused = randNormal(new Rng(8), [3]);
    const x = randNormal(new Rng(9), [4, 3]);
    const fn = (t: Tensor): Tensor => relu(matmul(t, w));
    const model = exportOnnx(fn, [x], { parameters: [['proj', w], ['unused', unused]], inputNames: ['x'], outputNames: ['y'] });
    const inits = parseOnnxModel(model.bytes).initializers;
    expect(inits.find((v) => v.name === 'proj')).toMatchObject({ elemType: 'float32', dims: [3, 2] });
    expect(inits.map((v) => v.name)).not.toContain('unused');
    const result = await runOrtNode(model.bytes, { x: { data: x.toArray() as Float32Array, dims: [4, 3] } });
    const expected = noGrad(() => tidy(() => fn(x).toArray() as Float32Array));
    expect(compareTensors(result.outputs['y']!.data, expected).relFro).toBeLessThanOrEqual(1e-6);
  });

  it('writes the model to `file` byte for byte', () => {
    const path = join(dir, 'relu.onnx');
    const model = exportOnnx((x) => relu(x!), [randNormal(new Rng(14), [3])], { file: path });
    expect(new Uint8Array(readFileSync(path))).toEqual(model.bytes);
    expect(parseOnnxModel(readFileSync(path), path).nodeOpTypes).toContain('Relu');
  });

  it("marks axis 0 'batch' with dynamicBatch, and the model runs at another batch size", async () => {
    const model = new Classifier(new Rng(10));
    const exported = exportOnnx(model, [randNormal(new Rng(11), [2, 6])], { dynamicBatch: true, inputNames: ['x'], outputNames: ['p'] });
    const summary = parseOnnxModel(exported.bytes);
    expect(summary.inputs[0]!.dims).toEqual(['batch', 6]);
    expect(summary.outputs[0]!.dims).toEqual(['batch', 5]);
    for (const batch of [1, 7]) {
      const x = randNormal(new Rng(100 + batch), [batch, 6]);
      const result = await runOrtNode(exported.bytes, { x: { data: x.toArray() as Float32Array, dims: [batch, 6] } });
      expect(result.outputs['p']!.dims).toEqual([batch, 5]);
      expect(compareTensors(result.outputs['p']!.data, cpuForward(model, x)).relFro).toBeLessThanOrEqual(1e-6);
    }
  });

  it('keeps every axis static without dynamicBatch, so ORT rejects another batch size', async () => {
    const exported = exportOnnx(new Classifier(new Rng(12)), [randNormal(new Rng(13), [2, 6])], { inputNames: ['x'] });
    expect(parseOnnxModel(exported.bytes).inputs[0]!.dims).toEqual([2, 6]);
    await expect(runOrtNode(exported.bytes, { x: { data: new Float32Array(18), dims: [3, 6] } })).rejects.toThrow(/run failed/);
  });
});
