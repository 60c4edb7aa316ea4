/**
 * The page side of the headless-Chromium golden test (bundled by esbuild at test time): the webgpu device
 * through `navigator.gpu`, the fused MTA kernels, and one function the test calls per case. It imports the
 * modules it needs directly, not the ops-mta index, whose registration starts Node worker threads.
 */
import { initDevice, tensor, tidy, type Tensor } from '@mta/core';
import { registerWebgpu, webgpuStatus } from '@mta/device-webgpu';
import { registerWebgpuMtaKernels } from '../../src/kernels/webgpu/register.js';
import { multiTokenAttention } from '../../src/mta.js';
import type { MtaOptions } from '../../src/options.js';

export interface PageCase {
  readonly B: number; readonly Cin: number; readonly Cout: number; readonly L: number; readonly kH: number; readonly kW: number;
  readonly options: MtaOptions;
  readonly scores: number[]; readonly weight: number[]; readonly bias: number[] | null; readonly gradOut: number[];
}

export interface PageRun {
  readonly out: number[]; readonly gradScores: number[]; readonly gradWeight: number[]; readonly gradBias: number[] | null;
}

async function start(): Promise<{ ready: true; adapter: string } | { ready: false; reason: string }> {
  try {
    registerWebgpu();
    registerWebgpuMtaKernels();
    await initDevice('webgpu');
    return { ready: true, adapter: webgpuStatus().adapter ?? 'unknown' };
  } catch (error) {
    return { ready: false, reason: (error as Error).message };
  }
}

async function run(c: PageCase): Promise<PageRun> {
  const leaf = (v: number[], shape: number[]) => tensor(Float32Array.from(v), shape, { device: 'webgpu', requiresGrad: true });
  const scores = leaf(c.scores, [c.B, c.Cin, c.L, c.L]);
  const weight = leaf(c.weight, [c.Cout, c.Cin / (c.options.groups ?? 1), c.kH, c.kW]);
  const bias = c.bias ? leaf(c.bias, [c.Cout]) : null;
  const gradOut = tensor(Float32Array.from(c.gradOut), [c.B, c.Cout, c.L, c.L], { device: 'webgpu' });
  const out = tidy(() => {
    const y = multiTokenAttention(scores, weight, bias, { ...c.options, impl: 'fused' });
    y.backward(gradOut);
    return y;
  });
  const read = async (t: Tensor | null | undefined): Promise<number[] | null> => (t ? Array.from(await t.data()) : null);
  const result: PageRun = {
    out: (await read(out))!, gradScores: (await read(scores.grad))!, gradWeight: (await read(weight.grad))!, gradBias: await read(bias?.grad),
  };
  for (const t of [out, gradOut, scores.grad, weight.grad, bias?.grad, scores, weight, bias]) t?.dispose();
  return result;
}

(globalThis as { mtaPage?: unknown }).mtaPage = { start, run };
