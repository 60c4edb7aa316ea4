import { afterAll, describe, expect, it } from 'vitest';
import { runOpSuite, setFallback } from '@mta/core';
import '@mta/device-cpu/register';
import { releaseWebgpu } from '../src/index.js';
import { webgpuForTests } from '../src/testing.js';

/**
 * Core's shared op suite on the webgpu device, against the suite's float64 references. The device stores
 * no float64, so float64 cases run in float32 (at float32's tolerance); it reads asynchronously, so the
 * suite awaits each result. Strict: a missing kernel fails here instead of falling back. Without an
 * adapter the suite is reported skipped, except under CI, where webgpuForTests() throws.
 */
setFallback({ strict: true });
const gpu = await webgpuForTests();
afterAll(() => releaseWebgpu());

// Each case the device does not take still runs and must be refused with the device's named error. float16
// is a storage type here (half-wgsl.ts): the float16 casts and copies run; arithmetic on it is refused.
const SKIP = [
  { match: /^comparison: .*float16/, reason: 'float16 is storage on webgpu (casts, copies, the fused MTA kernels): cast to float32 to compare', refusedWith: /dtype float16 is not supported on webgpu/ },
  { match: /^cast: .*bfloat16/, reason: 'webgpu stores no bfloat16 and no float64', refusedWith: /dtype (bfloat16|float64) is not supported on webgpu/ },
  { match: /^cast: .* -> float64/, reason: 'webgpu stores no float64', refusedWith: /dtype float64 is not supported on webgpu/ },
];

if (gpu.ready) {
  runOpSuite('webgpu', { describe, it, expect, skip: it.skip }, { substitute: { float64: 'float32' }, skip: SKIP, gradients: false });
} else {
  // Reached only without a WebGPU adapter outside CI (under CI webgpuForTests() throws instead): the suite is
  // reported as skipped with the reason, never as passed.
  describe.skip(`op suite on device 'webgpu' (skipped: ${gpu.reason})`, () => { it('runs', () => undefined); });
}
