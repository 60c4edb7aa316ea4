import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VECTOR_GENERATED_PATH, assembleVector, generatedVectorModule } from '../tools/build-wasm';

/**
 * The committed wasm bytes of the vector unit (src/wasm/vector.generated.ts) are exactly what wabt makes of
 * vector.wat today: editing the .wat without running tools/build-wasm.ts fails here.
 */
describe('vector.generated.ts', () => {
  it('equals the wabt assembly of vector.wat', async () => {
    expect(readFileSync(VECTOR_GENERATED_PATH, 'utf8')).toBe(await generatedVectorModule());
  });

  it('rejects an edited module that does not validate', async () => {
    await expect(assembleVector('(module (func (result i32) (f32.const 1)))')).rejects.toThrow();
  });
});
