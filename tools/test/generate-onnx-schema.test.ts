import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateOnnxSchema } from '../generate-onnx-schema';

/** The committed schema.generated.ts is what the generator makes from the committed onnx.proto. */
describe('generate-onnx-schema', () => {
  it('the committed packages/core/src/onnx/schema.generated.ts is up to date', () => {
    const proto = readFileSync(new URL('../../packages/core/schema/onnx.proto', import.meta.url), 'utf8');
    const committed = readFileSync(new URL('../../packages/core/src/onnx/schema.generated.ts', import.meta.url), 'utf8');
    expect(committed, 'stale: run pnpm tsx tools/generate-onnx-schema.ts').toBe(generateOnnxSchema(proto));
  });

  it('keeps the license notice of onnx.proto', () => {
    const committed = readFileSync(new URL('../../packages/core/src/onnx/schema.generated.ts', import.meta.url), 'utf8');
    expect(committed).toMatch(/SPDX-License-Identifier: Apache-2.0/);
    expect(committed).toMatch(/Copyright \(c\) ONNX Project Contributors/);
  });
});
