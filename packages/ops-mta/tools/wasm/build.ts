/**
 * Regenerates src/kernels/cpu/wasm/rows-f32.generated.ts and rows-f64.generated.ts from their .wat, and
 * src/kernels/npu/wasm/taps.generated.ts from taps.wat:
 *   pnpm exec tsx packages/ops-mta/tools/wasm/build.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  F64_GENERATED_PATH, GENERATED_PATH, NPU_TAPS_GENERATED_PATH, generatedF64RowsModule, generatedNpuTapsModule, generatedRowsModule,
} from './assemble.js';

for (const [path, make] of [[GENERATED_PATH, generatedRowsModule], [F64_GENERATED_PATH, generatedF64RowsModule], [NPU_TAPS_GENERATED_PATH, generatedNpuTapsModule]] as const) {
  writeFileSync(path, await make());
  console.log(`wrote ${fileURLToPath(path)}`);
}
