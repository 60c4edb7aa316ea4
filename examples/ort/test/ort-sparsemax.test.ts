import { OnnxGraphBuilder } from '@mta/core';
import { lowerSparsemax } from '@mta/ops-mta';
import { sparsemaxReference } from '@mta/ops-mta/testing';
import { describe, expect, it } from 'vitest';
import { compareTensors, runOrtNode, runOrtWeb } from '../src/index';

/** The independent float64 reference (sort-based, Martins & Astudillo 2016). */
const sparsemaxRow = (z: readonly number[]): number[] => Array.from(sparsemaxReference(z));

/** Applies `sparsemaxRow` along `axis` (negative) of a row-major tensor. */
function sparsemaxAlong(x: Float32Array, dims: readonly number[], axis: number): Float64Array {
  const a = dims.length + axis;
  const n = dims[a]!;
  const inner = dims.slice(a + 1).reduce((p, q) => p * q, 1);
  const outer = dims.slice(0, a).reduce((p, q) => p * q, 1);
  const out = new Float64Array(x.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const idx = Array.from({ length: n }, (_, r) => o * n * inner + r * inner + i);
      const p = sparsemaxRow(idx.map((j) => x[j]!));
      idx.forEach((j, r) => (out[j] = p[r]!));
    }
  }
  return out;
}

/** Deterministic inputs with the cases that break sparsemax implementations: ties, wide ranges, -1e9 entries. */
function makeInput(dims: readonly number[], seed: number): Float32Array {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Float32Array.from({ length: dims.reduce((p, q) => p * q, 1) }, () => {
    const u = next();
    if (u < 0.1) return -1e9; // masked score
    if (u < 0.2) return 0.5; // ties
    return (next() - 0.5) * (u < 0.6 ? 4 : 60); // ordinary and saturating scales
  });
}

function buildSparsemaxModel(dims: readonly number[], axis: number, staticSize: boolean): Uint8Array {
  const g = new OnnxGraphBuilder({ graphName: 'sparsemax' });
  const x = g.addInput('x', dims);
  const size = staticSize ? dims[dims.length + axis] : undefined;
  g.addOutput(lowerSparsemax(g, x, axis, size), dims, { name: 'y' });
  return g.encode();
}

describe('sparsemax as standard ONNX ops matches a float64 sort-based sparsemax', () => {
  const shapes: [readonly number[], number][] = [
    [[4, 3, 9], -1],
    [[4, 7, 5], -2],
    [[6, 2, 3], -3],
    [[2, 1, 1, 130], -1],
  ];
  for (const [backend, run] of [['ort-node', runOrtNode], ['ort-web', runOrtWeb]] as const) {
    for (const [dims, axis] of shapes) {
      for (const staticSize of [true, false]) {
        it(`${backend} dims [${dims.join(',')}] axis ${axis} (${staticSize ? 'K as initializer' : 'K from Shape'})`, async () => {
          const x = makeInput(dims, dims.length * 31 + axis);
          const result = await run(buildSparsemaxModel(dims, axis, staticSize), { x: { data: x, dims } });
          const y = result.outputs['y']!;
          const expected = sparsemaxAlong(x, dims, axis);
          const cmp = compareTensors(y.data, expected);
          expect(cmp.allFinite).toBe(true);
          expect(cmp.relFro, `relFro ${cmp.relFro.toExponential(2)}`).toBeLessThanOrEqual(1e-5);
          expect(cmp.maxAbs).toBeLessThanOrEqual(1e-5);
          // The zeros must be exact: the support is what sparsemax is used for.
          for (let i = 0; i < y.data.length; i++) if (expected[i] === 0) expect(y.data[i]).toBe(0);
        });
      }
    }
  }

  it('a one-hot row (one dominant score) stays one-hot', async () => {
    const dims = [1, 4];
    const result = await runOrtNode(buildSparsemaxModel(dims, -1, true), { x: { data: Float32Array.of(5, 0, -1e9, 1), dims } });
    expect([...result.outputs['y']!.data]).toEqual([1, 0, 0, 0]);
  });
});
