import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NPU_TAPS_GENERATED_PATH, assembleNpuTaps, generatedNpuTapsModule } from '../tools/wasm/assemble';

/**
 * The committed wasm bytes of the npu simulator's taps (src/kernels/npu/wasm/taps.generated.ts) are exactly
 * what wabt makes of taps.wat today: editing the .wat without running tools/wasm/build.ts fails here.
 */
describe('npu taps.generated.ts', () => {
  it('equals the wabt assembly of taps.wat', async () => {
    expect(readFileSync(NPU_TAPS_GENERATED_PATH, 'utf8')).toBe(await generatedNpuTapsModule());
  });

  it('rejects an edited module that does not validate', async () => {
    await expect(assembleNpuTaps('(module (func (result i32) (f32.const 1)))')).rejects.toThrow();
  });
});
