/**
 * lint-npu's engine: our kernels are clean over a grid that runs every one of them in poison mode; PR #1122's
 * unwritten columns are found by running its forward (a named UnwrittenOutputError, not a plan estimate);
 * a broken setting (a UB too small for our kernels) is reported by the named error the simulator raises.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LINT_GRID, lintNpu, ruleOf, type LintGrid, type LintReport } from '../src/kernels/npu/index.js';

const small = (over: Partial<LintGrid>): LintGrid => ({
  ...DEFAULT_LINT_GRID, socs: ['910B4'], dtypes: ['float32'], plannedLengths: [1, 97, 4097], ...over,
});
const kernel = (r: LintReport, name: string) => r.kernels.find((k) => k.kernel === name);

describe('lintNpu', () => {
  it('finds our kernels clean, and runs each of them (multi-block ones at 4 KiB) in the simulator', () => {
    const r = lintNpu(small({ ubBytes: [196_608, 4_096], simulatedLengths: [5, 260] }));
    expect(r.violations).toBe(0);
    expect(r.clean).toBe(true);
    const simulated = r.kernels.filter((k) => k.scope === 'kernel' && k.gmBytes > 0).map((k) => k.kernel).sort();
    expect(simulated).toEqual([
      'mta.bwd.wgrad-reduce', 'mta.post.bwd.band', 'mta.post.bwd.band.apply', 'mta.post.bwd.band.stats', 'mta.post.fwd.band', 'mta.post.fwd.rowstats',
      'mta.pre.bwd.band', 'mta.pre.bwd.rowstats', 'mta.pre.fwd.band', 'mta.pre.fwd.rowact',
    ]);
    for (const k of r.kernels.filter((x) => x.scope === 'kernel')) expect(k.worstUb!.bytes).toBeLessThanOrEqual(k.worstUb!.capacityBytes);
    // GM traffic of whole ops against the minimum they declare: never below it.
    for (const op of r.kernels.filter((x) => x.scope === 'op')) expect(op.gmBytes).toBeGreaterThanOrEqual(op.gmMinBytes!);
  });

  it('reproduces PR #1122\'s unwritten columns by running its forward (liger-pr1122 at 16 KiB, L = 2049)', () => {
    const r = lintNpu(small({ planners: ['liger-pr1122'], ubBytes: [16_384], presetSimulatedLengths: [2049], plannedLengths: [] }));
    expect(r.clean).toBe(false);
    const fwd = kernel(r, 'pr1122.fused-mask-softmax-fwd')!;
    expect(fwd.firstViolation).toMatchObject({ rule: 'unwritten', error: 'UnwrittenOutputError', at: { source: 'simulation', L: 2049 } });
    // Rows 0..2047 of the one map miss column 2048.
    expect(fwd.firstViolation!.message).toMatch(/left 2,048 of 4,198,401 elements/);
  });

  it('finds liger-ascend\'s forward complete where PR #1122\'s is not, and its plan overflowing a 16 KiB UB', () => {
    const r = lintNpu(small({ planners: ['liger-ascend'], ubBytes: [16_384], presetSimulatedLengths: [2049], plannedLengths: [5, 4097] }));
    const fwd = kernel(r, 'liger-ascend.fused-mask-softmax-fwd')!;
    expect(fwd.firstViolation).toMatchObject({ rule: 'overflow', error: 'UbTilingOverflowError', at: { source: 'plan', L: 4097 } });
    expect(r.kernels.some((k) => k.firstViolation?.rule === 'unwritten')).toBe(false);
  });

  it('reports the named error raised when our kernels cannot fit (a 256 B UB), and the plan\'s own verdict', () => {
    const one = DEFAULT_LINT_GRID.variants.slice(0, 1);
    const simulated = lintNpu(small({ ubBytes: [256], simulatedLengths: [97], plannedLengths: [], variants: one }));
    expect(simulated.clean).toBe(false);
    const first = simulated.kernels.find((k) => k.firstViolation)!.firstViolation!;
    // The forward refuses a plan that does not fit at plan time, before any kernel runs (the lint keeps the message's first line).
    expect(first).toMatchObject({ rule: 'overflow', error: 'UbTilingOverflowError', at: { source: 'simulation', L: 97, ubBytes: 256 } });
    expect(first.message).toMatch(/does not fit the UB/);

    const planned = lintNpu(small({ ubBytes: [256], simulatedLengths: [], plannedLengths: [97], variants: one }));
    expect(planned.kernels.find((k) => k.firstViolation)!.firstViolation).toMatchObject({ rule: 'overflow', error: 'UbTilingOverflowError', at: { source: 'plan' } });
    // 2 KiB is enough for C = 2, K = 3 (1 KiB was, before rows and reduction scratch were aligned to 32-byte blocks): clean.
    expect(lintNpu(small({ ubBytes: [2_048], simulatedLengths: [97], plannedLengths: [97], variants: one })).clean).toBe(true);
  });

  it('names rules after the errors, so a rule device-npu adds later is reported under its own name', () => {
    expect(ruleOf('UbOverflowError')).toBe('overflow');
    expect(ruleOf('UnwrittenOutputError')).toBe('unwritten');
    expect(ruleOf('DmaAlignmentError')).toBe('misaligned DMA');
    expect(ruleOf('VectorAlignmentError')).toBe('misaligned vector operand');
    expect(ruleOf('GmWriteRaceError')).toBe('race');
    expect(ruleOf('SomeFutureRuleError')).toBe('SomeFutureRuleError');
  });
});
