import { OnnxGraphBuilder } from '@mta/core';
import { lowerSparsemax } from '@mta/ops-mta';
import { sparsemaxReference } from '@mta/ops-mta/testing';
import { describe, expect, it } from 'vitest';
import { compareTensors, runOrtNode, runOrtWeb } from '../src/index';

/**
 * Issue 13, item 3, through ONNX: the sparsemax lowering shifts by the row max first. Unshifted, float32
 * cumulative sums of scores >= ~1e8 swallowed the 1 of `1 + r z_r > cs_r`, the support came out empty
 * and rows were Inf or NaN. Against a float64 sort-based sparsemax of x - max(x).
 */
const reference = (row: readonly number[]): number[] => Array.from(sparsemaxReference(row));

function model(dims: readonly number[]): Uint8Array {
  const g = new OnnxGraphBuilder({ graphName: 'sparsemax' });
  const x = g.addInput('x', dims);
  g.addOutput(lowerSparsemax(g, x, -1, dims[dims.length - 1]), dims, { name: 'y' });
  return g.encode();
}

describe('ONNX sparsemax of huge scores', () => {
  for (const [backend, run] of [['ort-node', runOrtNode], ['ort-web', runOrtWeb]] as const) {
    it.each([1e8, 1e16, 1e30, 1e38])(`${backend}, scale %d`, async (scale) => {
      const dims = [6, 5];
      let s = Math.log10(scale) >>> 0;
      const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
      const x = Float32Array.from({ length: 30 }, () => (next() - 0.5) * 2 * scale);
      x[5] = x[6] = scale; // a tie at the maximum
      x[10] = -Infinity; // a masked entry
      const y = (await run(model(dims), { x: { data: x, dims } })).outputs['y']!.data;
      const expected = Array.from({ length: 6 }, (_, r) => reference(Array.from(x.subarray(r * 5, r * 5 + 5)))).flat();
      const cmp = compareTensors(y, expected);
      expect(cmp.allFinite).toBe(true);
      expect(cmp.maxAbs).toBeLessThanOrEqual(1e-6);
    });
  }
});
