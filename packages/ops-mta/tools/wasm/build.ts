/**
 * Regenerates src/kernels/cpu/wasm/rows-f32.generated.ts and rows-f64.generated.ts from their .wat:
 *   pnpm exec tsx packages/ops-mta/tools/wasm/build.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { F64_GENERATED_PATH, GENERATED_PATH, generatedF64RowsModule, generatedRowsModule } from './assemble.js';

writeFileSync(GENERATED_PATH, await generatedRowsModule());
console.log(`wrote ${fileURLToPath(GENERATED_PATH)}`);
writeFileSync(F64_GENERATED_PATH, await generatedF64RowsModule());
console.log(`wrote ${fileURLToPath(F64_GENERATED_PATH)}`);
