import type { AnyOpDef } from '../op.js';
import { listOps } from '../op.js';
import type { DType } from '../dtype.js';
import { getDevice } from '../device.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { withTracer } from '../trace.js';
import { gradcheck, type GradcheckResult } from './gradcheck.js';
import { forwardCases, type CaseContext } from './op-suite-forward.js';
import { coreGradCases, GradInputs, type GradCase } from './op-suite-gradients.js';
import {
  defaultTolerance, layoutMismatch, liveTensorDelta, mismatch, OperandFactory, rngFor, valuesMismatch,
  type DtypeSubstitution, type OpSuiteTestApi, type Tolerance,
} from './op-suite-support.js';
import type { Ref } from './op-suite-reference.js';

export type { OpSuiteTestApi, OpSuiteMatchers, DtypeSubstitution } from './op-suite-support.js';
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
  /** dtypes the device stores in place of others, e.g. `{ float64: 'float32' }` on a GPU (see DtypeSubstitution). */
  readonly substitute?: DtypeSubstitution;
  /**
   * Forward cases the device does not take, matched on `group: name`, each with the reason (reported as
   * skipped through the test API's `skip`). A skipped case is a statement about the device, so it is listed
   * by the device's own test, never silently.
   */
  readonly skip?: readonly OpSuiteSkip[];
  /**
   * Whether to run the gradient cases (default true). gradcheck differentiates in float64 with synchronous
   * reads; a device with neither (a GPU) checks its backward kernels as forward cases instead.
   */
  readonly gradients?: boolean;
}

/** A result kept past the case's scope until its values are read (devices that read asynchronously). */
interface PendingCheck {
  readonly label: string;
  readonly actual: Tensor;
  readonly expected?: Ref;
  readonly tolerance?: Tolerance;
  /** Set when the read must reject with an error matching it (an error the device finds while computing). */
  readonly rejects?: RegExp;
  /** Set when the storage must hold exactly these values (bit patterns for half types), read raw. */
  readonly bits?: ArrayLike<number>;
}

/**
 * Forward cases a device does not take. With `refusedWith`, the case still runs and must fail with an
 * error matching it (the device's named refusal): a device that silently computed something, or crashed
 * with some other error, fails the suite. Without it, the case is reported skipped.
 */
export interface OpSuiteSkip {
  readonly match: RegExp;
  readonly reason: string;
  readonly refusedWith?: RegExp;
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
      // A group whose every case is skipped, with no way to report skips, is left out (an empty describe fails).
      if (!t.skip && cases.every((c) => options.skip?.some((k) => k.match.test(`${group}: ${c.name}`)))) continue;
      describe(group, () => {
        for (const c of cases) {
          const skipped = options.skip?.find((k) => k.match.test(`${group}: ${c.name}`));
          if (skipped?.refusedWith) {
            const refusal = skipped.refusedWith;
            it(`${c.name} (refused on '${device}': ${skipped.reason})`, async () => {
              let refused: unknown = null;
              try {
                await runForwardCase(device, c, group, options.substitute ?? {}, expect);
              } catch (error) {
                refused = error;
              }
              const what = refused === null ? 'the case ran to the end without an error' : String((refused as Error).message ?? refused);
              expect(what, `'${device}' must refuse this case with its named error`).toMatch(refusal);
            });
            continue;
          }
          if (skipped) {
            t.skip?.(`${c.name} (skipped on '${device}': ${skipped.reason})`, () => undefined);
            continue;
          }
          it(c.name, () => runForwardCase(device, c, group, options.substitute ?? {}, expect));
        }
      });
    }

    if (options.gradients === false) return;
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

/**
 * One forward case. A device that reads synchronously is checked inside the case's scope, as ever; one
 * that reads asynchronously (a GPU) keeps each result past the scope, awaits its values, then disposes it,
 * and an error that such a device can only find while computing (an index out of range) may surface as
 * the read rejecting instead of the call throwing. Either way the case must leave no live tensor behind.
 */
async function runForwardCase(device: string, c: ReturnType<typeof forwardCases>[number], group: string, substitute: DtypeSubstitution,
  expect: OpSuiteTestApi['expect']): Promise<void> {
  const failures: string[] = [];
  const readsAsync = getDevice(device).memory.readSync === undefined;
  const pending: PendingCheck[] = [];
  const dtypeFor = (dtype: DType): DType => substitute[dtype] ?? dtype;
  const context: CaseContext = {
    device,
    make: new OperandFactory(device, rngFor(`${group}/${c.name}`), substitute),
    close: (label, actual, expected, dtype, tolerance) => {
      const stored = dtypeFor(dtype);
      // A substituted dtype is held to its own tolerance: float64 cases run in float32 pass at float32's.
      const tol = stored !== dtype ? defaultTolerance(stored) : tolerance;
      if (!readsAsync) {
        const problem = mismatch(actual, expected, stored, tol);
        if (problem) failures.push(`${label}: ${problem}`);
        return;
      }
      const problem = layoutMismatch(actual, expected, stored);
      if (problem) failures.push(`${label}: ${problem}`);
      else pending.push({ label, actual: actual.keep(), expected, tolerance: tol ?? defaultTolerance(stored) });
    },
    bits: (label, actual, expected, dtype) => {
      if (actual.dtype !== dtype) failures.push(`${label}: dtype ${actual.dtype}, expected ${dtype}`);
      else if (!readsAsync) {
        const problem = bitsMismatch(actual.toArray(), expected);
        if (problem) failures.push(`${label}: ${problem}`);
      } else pending.push({ label, actual: actual.keep(), bits: expected });
    },
    throws: (label, fn, pattern) => {
      try {
        const result = fn();
        if (readsAsync && isTensor(result)) pending.push({ label, actual: result.keep(), rejects: pattern });
        else failures.push(`${label}: expected an error matching ${pattern}, nothing was thrown`);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (!pattern.test(message)) failures.push(`${label}: error '${message}' does not match ${pattern}`);
      }
    },
  };
  const live = getDevice(device);
  const before = live.memoryStats().liveTensors;
  try {
    tidy(() => { c.run(context); });
    for (const p of pending) {
      try {
        if (p.bits) {
          const problem = bitsMismatch(await p.actual.data(), p.bits);
          if (problem) failures.push(`${p.label}: ${problem}`);
          continue;
        }
        const values = await p.actual.numbers();
        if (p.rejects) failures.push(`${p.label}: expected an error matching ${p.rejects}, nothing was thrown and the read succeeded`);
        else {
          const problem = valuesMismatch(values, p.expected!, p.tolerance!);
          if (problem) failures.push(`${p.label}: ${problem}`);
        }
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (!p.rejects) failures.push(`${p.label}: reading the result failed: ${message}`);
        else if (!p.rejects.test(message)) failures.push(`${p.label}: error '${message}' does not match ${p.rejects}`);
      }
    }
  } finally {
    for (const p of pending) p.actual.dispose();
  }
  expect(failures.join('\n')).toBe('');
  expect(live.memoryStats().liveTensors - before, 'live tensors left on the device after the case').toBe(0);
}

/** '' when the raw storage values equal `expected` one for one; else the first differences (in hex, as bit patterns read best). */
function bitsMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>): string {
  if (actual.length !== expected.length) return `${actual.length} values, expected ${expected.length}`;
  const bad: string[] = [];
  for (let i = 0; i < actual.length && bad.length < 5; i++) {
    if (actual[i] !== expected[i]) bad.push(`[${i}] 0x${actual[i]!.toString(16)} vs 0x${expected[i]!.toString(16)}`);
  }
  return bad.length === 0 ? '' : `storage differs: ${bad.join('; ')}`;
}

function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && (v as { isTensor?: unknown }).isTensor === true;
}
