import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_PATH, assembleRows, expandFma, generatedRowsModule } from '../tools/wasm/assemble';

/**
 * The committed wasm bytes (src/kernels/cpu/wasm/rows-f32.generated.ts) are exactly what wabt makes of
 * rows-f32.wat today: editing the .wat without running tools/wasm/build.ts fails here.
 */
describe('rows-f32.generated.ts', () => {
  it('equals the wabt assembly of rows-f32.wat', async () => {
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(await generatedRowsModule());
  });

  it('has FMA only in the relaxed variant', () => {
    const source = '(fma (local.get $a) (fma (local.get $b) (local.get $c) (local.get $d)) (local.get $e))';
    expect(expandFma(source, 'relaxed')).toBe(
      '(f32x4.relaxed_madd (local.get $a) (f32x4.relaxed_madd (local.get $b) (local.get $c) (local.get $d)) (local.get $e))');
    expect(expandFma(source, 'fallback')).toBe(
      '(f32x4.add (f32x4.mul (local.get $a) (f32x4.add (f32x4.mul (local.get $b) (local.get $c)) (local.get $d))) (local.get $e))');
  });

  it('rejects an edited kernel that does not validate', async () => {
    const broken = '(module (func (result i32) (f32.const 1)))';
    await expect(assembleRows('fallback', broken)).rejects.toThrow();
  });
});
