import { decodeOnnxModel, OnnxGraphBuilder, protoNumber, type OnnxNodeProto } from '@mta/core';
import { describe, expect, it } from 'vitest';
import type { MtaConfig, MtaShape } from '../src/config';
import { MtaArgumentError } from '../src/errors';
import { mtaGeometry, type MtaGeometry } from '../src/geometry';
import { lowerMta, lowerSparsemax, toOnnxConvPads } from '../src/onnx/index';

type Node = OnnxNodeProto;

const shape: MtaShape = { B: 2, Cin: 2, Cout: 2, L: 6, kH: 3, kW: 3 };
const base: MtaConfig = { mode: 'post', sparse: false, pads: [2, 0, 1, 1], dilation: [1, 1], groups: 2 };
const geometry = (config: MtaConfig, hasBias: boolean): MtaGeometry => mtaGeometry(shape, config, { hasBias, dtype: 'float32' });

function lower(config: MtaConfig, withBias = true): Node[] {
  const g = new OnnxGraphBuilder();
  const s = g.addInput('scores', [shape.B, shape.Cin, shape.L, shape.L]);
  const w = g.addInitializer('w', { data: new Float32Array(2 * 1 * 9), dims: [2, 1, 3, 3] });
  const b = withBias ? g.addInitializer('b', { data: new Float32Array(2), dims: [2] }) : null;
  g.addOutput(lowerMta(g, s, w, b, geometry(config, withBias)), [shape.B, shape.Cout, shape.L, shape.L]);
  return (decodeOnnxModel(g.encode()).graph?.node ?? []) as Node[];
}

const attribute = (n: Node, name: string) => {
  const found = (n.attribute ?? []).find((a) => a.name === name);
  if (!found) throw new Error(`node ${n.name} has no attribute ${name}`);
  return found;
};
const ints = (n: Node, name: string) => (attribute(n, name).ints ?? []).map((v) => protoNumber(v));
const int = (n: Node, name: string) => protoNumber(attribute(n, name).i);

describe('lowerMta graph structure', () => {
  it('converts pads [top, bottom, left, right] to ONNX [top, left, bottom, right]', () => {
    expect(toOnnxConvPads([1, 2, 3, 4])).toEqual([1, 3, 2, 4]);
    const conv = lower(base).find((n) => n.opType === 'Conv')!;
    expect(ints(conv, 'pads')).toEqual([2, 1, 0, 1]);
    expect(ints(conv, 'kernel_shape')).toEqual([3, 3]);
    expect(ints(conv, 'dilations')).toEqual([1, 1]);
    expect(int(conv, 'group')).toBe(2);
    expect((conv.input ?? []).slice(1)).toEqual(['w', 'b']);
    expect(lower(base, false).find((n) => n.opType === 'Conv')!.input ?? []).toHaveLength(2);
  });

  it('post: mask with Where -> Softmax(axis=-1) -> Where -> Conv -> Where; pre: Where -> Conv -> Where -> Softmax -> Where', () => {
    const main = (nodes: Node[]) => nodes.filter((n) => !(n.name ?? '').includes('causal_mask')).map((n) => n.opType);
    expect(main(lower(base))).toEqual(['Where', 'Softmax', 'Where', 'Conv', 'Where']);
    // The Where after the Softmax keeps masked probabilities exactly 0 in a row it made NaN (as the fused kernels do).
    expect(main(lower({ ...base, mode: 'pre' }))).toEqual(['Where', 'Conv', 'Where', 'Softmax', 'Where']);
    const softmax = lower(base).find((n) => n.opType === 'Softmax')!;
    expect(int(softmax, 'axis')).toBe(-1);
  });

  it('never masks with Add or Mul, so NaN scores cannot leak', () => {
    for (const mode of ['post', 'pre'] as const) {
      for (const sparse of [false, true]) {
        const nodes = lower({ ...base, mode, sparse });
        const mta = nodes.filter((n) => !(n.name ?? '').includes('sparsemax'));
        expect(mta.some((n) => n.opType === 'Add' || n.opType === 'Mul')).toBe(false);
      }
    }
  });

  it('uses sparsemax as a 21-node standard-op sub-graph (shifted by the row max, NaN rows kept NaN) and a Trilu causal mask sized by Shape(scores)', () => {
    const nodes = lower({ ...base, sparse: true });
    const sm = nodes.filter((n) => (n.name ?? '').includes('sparsemax/'));
    expect(sm.map((n) => n.opType)).toEqual([
      'ReduceMax', 'Sub', 'TopK', 'CumSum', 'Mul', 'Add', 'Greater', 'Cast', 'ReduceSum', 'Where', 'ReduceSum', 'Sub', 'Div', 'Sub', 'Relu',
      'Equal', 'Not', 'Cast', 'ReduceMax', 'Greater', 'Where',
    ]);
    expect(nodes.some((n) => n.opType === 'Softmax')).toBe(false);
    expect(nodes.filter((n) => (n.name ?? '').includes('causal_mask')).map((n) => n.opType)).toEqual(['Shape', 'ConstantOfShape', 'Trilu', 'Cast']);
  });

  it('shares one causal mask between two MTA calls of the same L', () => {
    const g = new OnnxGraphBuilder();
    const s = g.addInput('scores', [1, 2, 6, 6]);
    const w = g.addInitializer('w', { data: new Float32Array(18), dims: [2, 1, 3, 3] });
    const once = lowerMta(g, s, w, null, geometry(base, false));
    const twice = lowerMta(g, once, w, null, geometry(base, false));
    g.addOutput(twice, [1, 2, 6, 6]);
    const nodes = decodeOnnxModel(g.encode()).graph?.node ?? [];
    expect(nodes.filter((n) => n.opType === 'Trilu')).toHaveLength(1);
    expect(new Set(nodes.map((n) => n.name)).size).toBe(nodes.length);
  });

  it('takes only validated geometries: pads that change the L x L grid and groups that do not divide never reach it', () => {
    expect(() => geometry({ ...base, pads: [1, 0, 1, 1] }, false)).toThrow(MtaArgumentError);
    expect(() => geometry({ ...base, pads: [1, 0, 1, 1] }, false)).toThrow(/padding: expected pads that keep the 6x6 map L x L.*to 5x6/);
    expect(() => geometry({ ...base, groups: 3 }, false)).toThrow(/groups: expected a divisor of the scores channels Cin=2, got groups=3/);
  });

  it('rejects a bias that the geometry does not have (and the reverse), unknown inputs', () => {
    const g = new OnnxGraphBuilder();
    const s = g.addInput('scores', [1, 2, 6, 6]);
    const w = g.addInitializer('w', { data: new Float32Array(18), dims: [2, 1, 3, 3] });
    const b = g.addInitializer('b', { data: new Float32Array(2), dims: [2] });
    expect(() => lowerMta(g, s, w, null, geometry(base, true))).toThrow(/bias: expected a bias value \(the geometry has a bias\), got null/);
    expect(() => lowerMta(g, s, w, b, geometry(base, false))).toThrow(/bias: expected null \(the geometry has no bias\), got 'b'/);
    expect(() => lowerMta(g, 'nope', w, null, geometry(base, false))).toThrow(/scores 'nope' is not a value of this graph/);
    expect(() => lowerSparsemax(g, s, 1)).toThrow(/axis must be a negative integer/);
  });
});
