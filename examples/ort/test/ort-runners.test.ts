import { OnnxGraphBuilder } from '@mta/core';
import { describe, expect, it } from 'vitest';
import { OrtBackendError, runOrtNode, runOrtWeb } from '../src/index';

function tinyModel(): Uint8Array {
  const g = new OnnxGraphBuilder({ graphName: 'tiny' });
  const x = g.addInput('x', ['batch', 4]);
  g.addOutput(g.op('Softmax', [x], { axis: { kind: 'int', value: -1 } }), ['batch', 4], { name: 'y' });
  return g.encode();
}

describe('ORT runners', () => {
  for (const [backend, run] of [['ort-node', runOrtNode], ['ort-web', runOrtWeb]] as const) {
    describe(backend, () => {
      it('runs, copies outputs and reports one timing per run', async () => {
        const result = await run(tinyModel(), { x: { data: Float32Array.of(1, 2, 3, 4, 0, 0, 0, 0), dims: [2, 4] } }, { runs: 3 });
        expect(result.backend).toBe(backend);
        const y = result.outputs['y']!;
        expect(y.dims).toEqual([2, 4]);
        // softmax(1, 2, 3, 4) in float64, then the uniform row
        const e = [1, 2, 3, 4].map((v) => Math.exp(v - 4));
        const sum = e.reduce((a, b) => a + b);
        e.forEach((v, i) => expect(y.data[i]).toBeCloseTo(v / sum, 6));
        for (let i = 4; i < 8; i++) expect(y.data[i]).toBeCloseTo(0.25, 7);
        expect(result.timings.runMs).toHaveLength(3);
        expect(result.timings.sessionCreateMs).toBeGreaterThanOrEqual(0);
      });

      it('names the backend when the model cannot be loaded', async () => {
        const promise = run(new TextEncoder().encode('not an onnx model'), {});
        await expect(promise).rejects.toBeInstanceOf(OrtBackendError);
        await expect(run(new TextEncoder().encode('not an onnx model'), {})).rejects.toThrow(
          new RegExp(`^${backend}: session creation failed`),
        );
      });

      it('lists the expected inputs when the feeds do not match', async () => {
        await expect(run(tinyModel(), { z: { data: new Float32Array(4), dims: [1, 4] } })).rejects.toThrow(
          /the model's inputs are \[x\] but the feeds are \[z\]/,
        );
      });

      it('rejects feeds whose dims do not match their data', async () => {
        await expect(run(tinyModel(), { x: { data: new Float32Array(3), dims: [1, 4] } })).rejects.toThrow(
          /feed 'x' has dims \[1, 4\] \(4 elements\) but 3 values/,
        );
      });

      it('wraps a shape error inside ONNX Runtime with the backend name', async () => {
        await expect(run(tinyModel(), { x: { data: new Float32Array(5), dims: [1, 5] } })).rejects.toThrow(
          new RegExp(`^${backend}: run failed: `),
        );
      });
    });
  }
});
