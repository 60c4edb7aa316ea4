/**
 * Regenerates src/kernels/cpu/wasm/rows-f32.generated.ts from rows-f32.wat:
 *   pnpm exec tsx packages/ops-mta/tools/wasm/build.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GENERATED_PATH, generatedRowsModule } from './assemble.js';

writeFileSync(GENERATED_PATH, await generatedRowsModule());
console.log(`wrote ${fileURLToPath(GENERATED_PATH)}`);
