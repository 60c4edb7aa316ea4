import type { AnyOpDef } from '../op.js';
import { listOps } from '../op.js';
import { withTracer } from '../trace.js';
import { gradcheck, type GradcheckResult } from './gradcheck.js';
import { forwardCases, type CaseContext } from './op-suite-forward.js';
import { coreGradCases, GradInputs, type GradCase } from './op-suite-gradients.js';
import { liveTensorDelta, mismatch, OperandFactory, rngFor, type OpSuiteTestApi } from './op-suite-support.js';

export type { OpSuiteTestApi, OpSuiteMatchers } from './op-suite-support.js';
export type { GradCase } from './op-suite-gradients.js';
export { GradInputs } from './op-suite-gradients.js';
/** The suite's naive float64 references, for device packages' own larger-shape tests. */
export * as opReferences from './op-suite-reference.js';

/**
 * The shared op suite, written once and run against any registered device:
 *
 *   import { describe, it, expect } from 'vitest';
 *   runOpSuite('cpu', { describe, it, expect });
 *
 * Forward cases compare every kernel with naive float64 references (op-suite-reference.ts); gradient
 * cases run gradcheck (float64 central differences) for every differentiable forward op, and a
 * coverage test fails when an op in listOps() has no gradient case. Every case also checks that it
 * leaves no live tensor behind on the device.
 */
export interface OpSuiteOptions {
  /** Gradient cases for ops defined outside core (by op packages), so that the coverage test counts them. */
  readonly extraGradCases?: readonly GradCase[];
}

export function runOpSuite(device: string, t: OpSuiteTestApi, options: OpSuiteOptions = {}): void {
  const { describe, it, expect } = t;
  const gradCases = [...coreGradCases(), ...(options.extraGradCases ?? [])];

  describe(`op suite on device '${device}'`, () => {
    const groups = new Map<string, ReturnType<typeof forwardCases>[number][]>();
    for (const c of forwardCases()) {
      if (!groups.has(c.group)) groups.set(c.group, []);
      groups.get(c.group)!.push(c);
    }
    for (const [group, cases] of groups) {
      describe(group, () => {
        for (const c of cases) {
          it(c.name, () => {
            const failures: string[] = [];
            const context: CaseContext = {
              device,
              make: new OperandFactory(device, rngFor(`${group}/${c.name}`)),
              close: (label, actual, expected, dtype, tolerance) => {
                const problem = mismatch(actual, expected, dtype, tolerance);
                if (problem) failures.push(`${label}: ${problem}`);
              },
              throws: (label, fn, pattern) => {
                try {
                  fn();
                  failures.push(`${label}: expected an error matching ${pattern}, nothing was thrown`);
                } catch (e) {
                  const message = e instanceof Error ? e.message : String(e);
                  if (!pattern.test(message)) failures.push(`${label}: error '${message}' does not match ${pattern}`);
                }
              },
            };
            const leaked = liveTensorDelta(device, () => c.run(context));
            expect(failures.join('\n')).toBe('');
            expect(leaked, 'live tensors left on the device after the case').toBe(0);
          });
        }
      });
    }

    describe('gradients (gradcheck, float64 central differences)', () => {
      for (const c of gradCases) {
        it(`${c.op.name}: ${c.name}`, () => {
          const dispose = c.setup?.(device);
          try {
            const dispatched = new Set<AnyOpDef>();
            let result: GradcheckResult | undefined;
            const leaked = liveTensorDelta(device, () => {
              const inputs = c.inputs(new GradInputs(device, rngFor(`grad/${c.op.name}/${c.name}`)));
              result = withTracer({ onOp: (op) => { dispatched.add(op); } }, () => gradcheck(c.fn, inputs, c.options));
            });
            expect(dispatched.has(c.op), `the case must dispatch op '${c.op.name}'`).toBe(true);
            const missingBackward = c.op.backwardOps.filter((b) => !dispatched.has(b)).map((b) => b.name);
            expect(missingBackward.join(', '), 'named backward ops the gradient did not dispatch').toBe('');
            expect(result!.failures.join('\n')).toBe('');
            expect(result!.ok).toBe(true);
            expect(leaked, 'live tensors left on the device after the case').toBe(0);
          } finally {
            dispose?.();
          }
        });
      }

      it('every differentiable forward op in listOps() has a gradient case', () => {
        const covered = new Set(gradCases.map((c) => c.op));
        const missing = listOps().filter((op) => op.role === 'forward' && op.differentiable && !covered.has(op)).map((op) => op.name);
        expect(missing.join(', '), 'ops without a gradcheck case: add one (core: op-suite-gradients.ts, others: extraGradCases)').toBe('');
      });
    });
  });
}
