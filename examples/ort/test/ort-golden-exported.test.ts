import '@mta/ops-mta/register';
import { exportOnnx, noGrad, tensor, tidy } from '@mta/core';
import { multiTokenAttention } from '@mta/ops-mta';
import { describe, expect, it } from 'vitest';
import { compareTensors, readGoldenForwardCases, runOrtNode } from '../src/index';

/**
 * The public golden cases through the tracing exporter (issue 13 item 14): ort-golden.test.ts runs a model
 * built by hand (buildMtaModel), so it says nothing of what `exportOnnx` emits for the op users call. Here
 * multiTokenAttention with each case's weights is traced (fused, one lowered sub-graph), run in
 * onnxruntime-node, and held to the golden tolerance against the float64 `out`.
 */
const TOLERANCE = 1e-5;

describe('golden cases through the tracing exporter, in onnxruntime-node', () => {
  for (const c of readGoldenForwardCases()) {
    it(`${c.name} (${c.config.mode}, ${c.config.sparse ? 'sparsemax' : 'softmax'})`, async () => {
      const { B, Cin, Cout, L, kH, kW } = c.shape;
      const { config } = c;
      const exported = tidy(() => {
        const weight = tensor(c.weight, [Cout, Cin / config.groups, kH, kW]);
        const bias = c.bias ? tensor(c.bias, [Cout]) : null;
        const scores = tensor(c.scores, [B, Cin, L, L]);
        const options = { mode: config.mode, sparse: config.sparse, padding: [...config.pads] as [number, number, number, number], dilation: [...config.dilation] as [number, number], groups: config.groups, impl: 'fused' as const };
        return noGrad(() => exportOnnx((s) => multiTokenAttention(s, weight, bias, options), [scores], { inputNames: ['scores'], outputNames: ['out'] }));
      });
      expect(exported.ops.get('MultiTokenAttention')).toBe(1);
      const result = await runOrtNode(exported.bytes, { scores: { data: c.scores, dims: [B, Cin, L, L] } });
      const out = result.outputs['out']!;
      expect(out.dims).toEqual([B, Cout, L, L]);
      const cmp = compareTensors(out.data, c.out);
      expect(cmp.allFinite, `${c.name}: non-finite output`).toBe(true);
      expect(cmp.relFro, `${c.name}: relFro ${cmp.relFro.toExponential(2)}`).toBeLessThanOrEqual(TOLERANCE);
    });
  }
});
