import { describe, expect, it } from 'vitest';
import { makeNpuSpec } from '@mta/device-npu';
import { MtaArgumentError } from '../src/errors.js';
import { MAX_NPU_PLAN_L, blocksBeforeDiagonalUnwritten, planCoverage, planNpuMta } from '../src/kernels/npu/index.js';

const shape = (L: number) => ({ B: 2, Cin: 4, Cout: 4, L, kH: 3, kW: 3 });
const spec = makeNpuSpec({ env: {} });

/** Issue 13, item 10: `mta plan --L 1e10` built one interval per block and ran out of memory. */
describe('npu plan: lengths are bounded and coverage is closed-form', () => {
  it.each([MAX_NPU_PLAN_L + 1, 1e10, 1e300])('rejects L = %d past MAX_NPU_PLAN_L with a named error', (L) => {
    for (const planner of ['default', 'liger-pr1122'] as const) {
      expect(() => planNpuMta(shape(L), 'float16', spec, { planner })).toThrow(MtaArgumentError);
      expect(() => planNpuMta(shape(L), 'float16', spec, { planner }))
        .toThrow(/planNpuMta: shape\.L: expected a sequence length of at most MAX_NPU_PLAN_L = 16,777,216, got/);
    }
  });

  it('plans and covers L = MAX_NPU_PLAN_L at once, with exact counts', () => {
    for (const planner of ['default', 'liger-pr1122'] as const) {
      const plan = planNpuMta(shape(MAX_NPU_PLAN_L), 'float16', spec, { planner });
      const t0 = performance.now();
      const coverage = planCoverage(plan);
      expect(performance.now() - t0).toBeLessThan(1000);
      for (const e of coverage) {
        expect(Number.isSafeInteger(e.elements) && Number.isSafeInteger(e.unwritten)).toBe(true);
        expect(e.unwritten).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('the closed form of the blocks-before-diagonal count equals the row-by-row sum', () => {
    for (const L of [1, 2, 5, 16, 17, 100, 1000, 4097]) {
      for (const block of [1, 3, 16, 64, 2048]) {
        let rowByRow = 0;
        for (let i = 0; i < L; i++) rowByRow += Math.max(0, L - Math.ceil((i + 1) / block) * block);
        expect(blocksBeforeDiagonalUnwritten(L, block)).toBe(rowByRow);
      }
    }
  });
});
