import { afterAll, describe, expect, it } from 'vitest';
import { noGrad, tensor } from '@mta/core';
import { releaseWebgpu } from '@mta/device-webgpu';
import { webgpuForTests } from '@mta/device-webgpu/testing';
import { registerMtaWebgpu } from '@mta/ops-mta/webgpu';
import { multiTokenAttention, registerMta, type MtaOptions } from '@mta/ops-mta';
import { randomOperands } from './support/op-harness';

/**
 * The webgpu activation rows follow the project's non-finite semantics (as the cpu kernel does): a row with
 * a NaN or +Inf, or with only -Inf, is all NaN; -Inf entries of a finite row get 0. And sparsemax of huge
 * scores has a support. Found by the webgpu fuzz (`pnpm fuzz --device webgpu --seed 1`): a sparsemax row
 * whose (pre-mode) convolution met a +Inf came out 0 instead of NaN (tau became +Inf and max(Inf - Inf, 0)
 * is 0 in WGSL, and max() dropped NaN); a softmax row with +Inf came out finite on SwiftShader; a sparsemax row
 * of scores near 1e16 came out all 0 (max - 1 rounds to max in float32, so the support was empty).
 */
registerMta();
registerMtaWebgpu();
const gpu = await webgpuForTests();
const title = gpu.ready ? `webgpu sparsemax rows with NaN / Inf (${gpu.adapter})` : `webgpu sparsemax rows with NaN / Inf (skipped: ${gpu.reason})`;
afterAll(() => releaseWebgpu());

/**
 * Row lengths: L = 6 runs the streaming row shaders, L = 8 (a multiple of 4) the ones that hold the row in
 * registers (quad-row-shaders.ts).
 */
const LENGTHS = [6, 8];
/** Scores with, in channel 0: row 2 holding a NaN, row 3 a +Inf, row 4 only -Inf, row 5 one -Inf. */
function scoresWithNonFinite(L: number): Float64Array {
  const { scores } = randomOperands(3, { B: 1, Cin: 2, Cout: 2, L, kH: 2, kW: 2 });
  scores[2 * L + 1] = Number.NaN;
  scores[3 * L + 0] = Number.POSITIVE_INFINITY;
  for (let c = 0; c <= 4; c++) scores[4 * L + c] = Number.NEGATIVE_INFINITY;
  scores[5 * L + 2] = Number.NEGATIVE_INFINITY;
  return scores;
}

async function forward(device: 'cpu' | 'webgpu', L: number, scores: Float64Array, options: MtaOptions): Promise<Float64Array> {
  const { weight } = randomOperands(4, { B: 1, Cin: 2, Cout: 2, L, kH: 2, kW: 2 });
  const s = tensor(scores, [1, 2, L, L], { dtype: 'float32', device });
  const w = tensor(weight, [2, 2, 2, 2], { dtype: 'float32', device });
  const out = noGrad(() => multiTokenAttention(s, w, null, { ...options, impl: 'fused' }));
  const values = Float64Array.from(await out.data());
  for (const t of [s, w, out]) t.dispose();
  return values;
}

async function expectAsCpu(L: number, scores: Float64Array, options: MtaOptions, tolerance: number): Promise<void> {
  const [got, want] = [await forward('webgpu', L, scores, options), await forward('cpu', L, scores, options)];
  for (let k = 0; k < want.length; k++) {
    if (Number.isNaN(want[k]!)) expect(got[k], `out[${k}]`).toBeNaN();
    else expect(Math.abs(got[k]! - want[k]!), `out[${k}]: ${got[k]} vs cpu ${want[k]}`).toBeLessThanOrEqual(tolerance);
  }
}

describe.skipIf(!gpu.ready)(title, () => {
  for (const L of LENGTHS) {
    for (const sparse of [true, false]) {
      for (const options of [{ mode: 'post', padding: 'causal' }, { mode: 'pre', padding: 'causal' }, { mode: 'pre', padding: [1, 0, 0, 1] }] as MtaOptions[]) {
        it(`L = ${L}, ${sparse ? 'sparsemax' : 'softmax'} ${JSON.stringify(options)}: NaN exactly where the cpu has NaN, the rest within float32 round-off`, async () => {
          await expectAsCpu(L, scoresWithNonFinite(L), { ...options, sparse }, 1e-6);
        }, 120_000);
      }
    }

    it(`L = ${L}, sparsemax of scores near 1e16 has a support (post mode)`, async () => {
      const { scores } = randomOperands(5, { B: 1, Cin: 2, Cout: 2, L, kH: 2, kW: 2, scoreScale: 1e16 });
      await expectAsCpu(L, scores, { mode: 'post', sparse: true, padding: 'causal' }, 1e-6);
    }, 120_000);
  }
});
