import '@mta/ops-mta/register';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { setFallback } from '@mta/core';
import { releaseWebgpu } from '@mta/device-webgpu';
import { webgpuForTests } from '@mta/device-webgpu/testing';
import { registerMtaWebgpu } from '@mta/ops-mta/webgpu';
import { anyFuzzCaseIn, checkAnyCase } from '../tools/fuzz/any-case.js';
import { newCounts, WEBGPU_SPACE } from '../tools/fuzz/mta-fuzz.js';

/**
 * The API fuzz (tools/fuzz) on the webgpu device: the same cases, classification and cpu float64 reference as
 * fuzz-api.test.ts, read back asynchronously. float32 and float16 (stored packed, computed in f32) must match;
 * float64 and bfloat16 must be named errors (the device does not store them), as must ops without a webgpu kernel. Without an adapter the suite
 * is skipped with the reason, except under CI, where webgpuForTests throws. Long runs:
 * `pnpm fuzz --device webgpu --runs 2000`.
 */
registerMtaWebgpu();
const gpu = await webgpuForTests();
const title = gpu.ready ? `fuzz on webgpu (${gpu.adapter})` : `fuzz on webgpu (skipped: ${gpu.reason})`;
afterAll(() => releaseWebgpu());

/** SwiftShader compiles a pipeline per geometry and computes on the CPU: about 0.3 s a case, more under load. */
const SOFTWARE_GPU_TIMEOUT_MS = 180_000;

describe.skipIf(!gpu.ready)(title, () => {
  it('100 random calls: each a named error or a match with the cpu float64 reference', async () => {
    setFallback({ enabled: true, strict: false, onFirstFallback: null });
    const counts = newCounts();
    await fc.assert(fc.asyncProperty(anyFuzzCaseIn(WEBGPU_SPACE), async (c) => { await checkAnyCase(c, counts); }),
      { numRuns: 100, seed: Number(process.env['MTA_FUZZ_SEED'] ?? 20261203) });
    expect(counts.raw).toBe(0);
    expect(counts.match).toBeGreaterThan(20);
  }, SOFTWARE_GPU_TIMEOUT_MS);
});
