import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NoWebgpuAdapterError, releaseWebgpu, setGpuSource } from '@mta/device-webgpu';
import { webgpuForTests } from '@mta/device-webgpu/testing';
import { runTraining, silentStream, type RunTrainingOptions, type TaskConfig } from '../src/index';

/**
 * Training on the webgpu device (SwiftShader without a GPU) against the same run on cpu: every op of the
 * step runs natively (the device's fallback policy is 'error', so a missing kernel fails the run), and the
 * per-step losses agree to float32 rounding. Without an adapter the suite is reported skipped, except under
 * CI, where webgpuForTests() throws.
 */
const gpu = await webgpuForTests();
const root = mkdtempSync(join(tmpdir(), 'mta-train-webgpu-'));
afterAll(() => { rmSync(root, { recursive: true, force: true }); releaseWebgpu(); });

const tinyTask: TaskConfig = { blockSize: 2, numBlocks: 2, numQueries: 2, alphabetSize: 6 };
function tiny(name: string, extra: Partial<RunTrainingOptions> = {}): RunTrainingOptions {
  return {
    model: 'mta', task: tinyTask, layers: 1, width: 16, heads: 2, ffDim: 32, batchSize: 8, lr: 1e-2, warmupSteps: 0,
    steps: 4, seed: 3, logEvery: 1, evalEvery: 0, valSize: 0, testSize: 16, checkpointEvery: 0, progressStream: silentStream,
    out: join(root, name), ...extra,
  };
}

/** SwiftShader runs the GPU on the CPU: pipelines compile on the first step, a few seconds in all. */
const SOFTWARE_GPU_TIMEOUT_MS = 300_000;

describe.skipIf(!gpu.ready)(`training on webgpu (${gpu.ready ? gpu.adapter : `skipped: ${gpu.reason}`})`, () => {
  for (const model of ['mta', 'baseline'] as const) {
    it(`${model}: a few steps match the cpu run's losses, with no op off the device`, async () => {
      const onCpu = await runTraining(tiny(`${model}-cpu`, { model }));
      const onGpu = await runTraining(tiny(`${model}-webgpu`, { model, device: 'webgpu' }));
      expect(onGpu.device).toBe('webgpu');
      expect(onGpu.fallbacks).toEqual({});
      const losses = (r: typeof onCpu) => r.history.train.map((t) => t.trainLoss);
      expect(losses(onGpu)).toHaveLength(4);
      // Same initialisation, data and schedule: float32 kernels that round differently drift apart only slowly.
      losses(onGpu).forEach((loss, i) => expect(Math.abs(loss - losses(onCpu)[i]!), `step ${i + 1}`).toBeLessThan(1e-5));
      expect(Math.abs(onGpu.test.loss - onCpu.test.loss)).toBeLessThan(1e-5);
    }, SOFTWARE_GPU_TIMEOUT_MS);
  }
});

describe('training on webgpu without an adapter', () => {
  it('rejects with NoWebgpuAdapterError, which says how to get an adapter', async () => {
    releaseWebgpu();
    setGpuSource(async () => ({ gpu: null, tried: 'a stand-in host without a GPU' }));
    try {
      const run = runTraining(tiny('no-adapter', { device: 'webgpu' }));
      await expect(run).rejects.toBeInstanceOf(NoWebgpuAdapterError);
      await expect(run).rejects.toThrow(/no WebGPU adapter: a stand-in host without a GPU\. To get one: .*VK_ICD_FILENAMES/);
    } finally {
      releaseWebgpu();
      setGpuSource(null);
    }
  });
});
