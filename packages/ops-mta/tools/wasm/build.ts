/**
 * Regenerates src/kernels/cpu/wasm/rows-f32.generated.ts from rows-f32.wat and
 * src/kernels/npu/wasm/taps.generated.ts from taps.wat:
 *   pnpm exec tsx packages/ops-mta/tools/wasm/build.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GENERATED_PATH, NPU_TAPS_GENERATED_PATH, generatedNpuTapsModule, generatedRowsModule } from './assemble.js';

writeFileSync(GENERATED_PATH, await generatedRowsModule());
console.log(`wrote ${fileURLToPath(GENERATED_PATH)}`);
writeFileSync(NPU_TAPS_GENERATED_PATH, await generatedNpuTapsModule());
console.log(`wrote ${fileURLToPath(NPU_TAPS_GENERATED_PATH)}`);
