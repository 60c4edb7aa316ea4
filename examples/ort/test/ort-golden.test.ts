import { describe, expect, it } from 'vitest';
import {
  buildMtaModel,
  compareTensors,
  MTA_MODEL_INPUT,
  MTA_MODEL_OUTPUT,
  readGoldenForwardCases,
  runOrtNode,
  runOrtWeb,
  type OrtRunResult,
} from '../src/index';

// The golden tolerance (golden/README.md): relative Frobenius error <= 1e-5, all finite.
const TOLERANCE = 1e-5;
const cases = readGoldenForwardCases();

describe('MTA forward lowered to ONNX matches the public golden cases', () => {
  it('reads all 19 public cases, NaN-above cases really holding NaN', () => {
    expect(cases).toHaveLength(19);
    for (const c of cases.filter((c) => c.nanAbove)) expect(c.scores.some(Number.isNaN)).toBe(true);
  });

  const backends: [string, typeof runOrtNode][] = [
    ['ort-node', runOrtNode],
    ['ort-web', runOrtWeb],
  ];
  for (const [backend, run] of backends) {
    describe(backend, () => {
      for (const c of cases) {
        it(`${c.name} (${c.config.mode}, ${c.config.sparse ? 'sparsemax' : 'softmax'})`, async () => {
          const model = buildMtaModel({ shape: c.shape, config: c.config, weight: c.weight, bias: c.bias });
          const { B, Cin, Cout, L } = c.shape;
          const result: OrtRunResult = await run(model, { [MTA_MODEL_INPUT]: { data: c.scores, dims: [B, Cin, L, L] } });
          const out = result.outputs[MTA_MODEL_OUTPUT]!;
          expect(out.dims).toEqual([B, Cout, L, L]);
          const cmp = compareTensors(out.data, c.out);
          expect(cmp.allFinite, `${c.name}: non-finite output`).toBe(true);
          expect(cmp.relFro, `${c.name}: relFro ${cmp.relFro.toExponential(2)}`).toBeLessThanOrEqual(TOLERANCE);
        });
      }
    });
  }

  it('a dynamic batch axis runs with another batch size and gives the same rows', async () => {
    const c = cases.find((x) => x.name === 'liger-a')!;
    const { B, Cin, Cout, L } = c.shape;
    const model = buildMtaModel({ shape: c.shape, config: c.config, weight: c.weight, bias: c.bias, dynamicBatch: true });
    const perBatch = Cin * L * L;
    const one = await runOrtNode(model, { [MTA_MODEL_INPUT]: { data: c.scores.slice(perBatch, 2 * perBatch), dims: [1, Cin, L, L] } });
    expect(B).toBe(2);
    const cmp = compareTensors(one.outputs[MTA_MODEL_OUTPUT]!.data, c.out.slice(Cout * L * L, 2 * Cout * L * L));
    expect(cmp.relFro).toBeLessThanOrEqual(TOLERANCE);
  });
});
