import { compareTensors } from '@mta/ort';
import type { EvalBackend } from './backends';
import { ALL_TENSORS, type MtaProblem, type Results } from './problem';

/** The golden README's tolerance for float32 implementations. */
export const GOLDEN_TOLERANCE = 1e-5;

/**
 * A gradient that is zero in exact arithmetic (the bias gradient of pre-mode sparsemax: sparsemax is
 * shift-invariant, so the bias gets none) is stored in the golden file as float64 round-off (4.4e-16),
 * and no float32 computation can match round-off to 1e-5 relative. So the relative error's denominator
 * is floored at NOISE_FLOOR x ||grad_out||_F, the scale every gradient is made from: a correct float32
 * sum then passes (its error is ~1e-8 of that scale) and a wrong gradient (order 1 of it) still fails.
 * Only tensors a thousand times smaller than that scale are affected: in the public suite, pre-sparse
 * grad_bias alone (2e-17 of it; the next smallest tensor is saturated grad_scores at 2.6e-3).
 * Reports flag with '*' where the floor applied.
 */
export const NOISE_FLOOR = 1e-3;

export interface TensorCheck {
  readonly tensor: string;
  readonly relFro: number;
  readonly maxAbs: number;
  readonly pass: boolean;
  /** True where the expected norm was below the noise floor and the floor was the denominator. */
  readonly floored?: boolean;
}

export interface CaseReport {
  readonly name: string;
  readonly backend: string;
  readonly pass: boolean;
  readonly checks: readonly TensorCheck[];
  /** Why the case could not be evaluated (an error thrown by the backend), if so. */
  readonly error?: string;
  readonly ms: number;
}

/** Compares every tensor a backend produced with the reference; missing or non-finite results fail. */
export function checkResults(results: Results, reference: Results, tensors: readonly string[], tolerance = GOLDEN_TOLERANCE, gradientScale = 0): TensorCheck[] {
  const checks: TensorCheck[] = [];
  for (const name of tensors) {
    const expected = reference[name];
    if (expected === undefined || expected === null) continue;
    const got = results[name];
    if (!got) {
      checks.push({ tensor: name, relFro: Number.POSITIVE_INFINITY, maxAbs: Number.POSITIVE_INFINITY, pass: false });
      continue;
    }
    if (got.length !== expected.length) {
      throw new Error(`${name}: the backend returned ${got.length} values, the reference has ${expected.length} (shape mismatch between backends)`);
    }
    const c = compareTensors(got, expected);
    const norm = frobenius(expected);
    const floor = name.startsWith('grad') ? NOISE_FLOOR * gradientScale : 0;
    const relFro = norm >= floor ? c.relFro : (c.relFro * (norm === 0 ? 1 : norm)) / floor;
    checks.push({ tensor: name, relFro, maxAbs: c.maxAbs, pass: c.allFinite && relFro <= tolerance, ...(norm < floor ? { floored: true } : {}) });
  }
  return checks;
}

export async function evaluateProblem(backend: EvalBackend, problem: MtaProblem, reference: Results | undefined, impl?: 'auto' | 'fused' | 'composite'): Promise<{ report: CaseReport; results?: Results }> {
  const started = performance.now();
  try {
    const results = await backend.runMta(problem, impl);
    const ref = reference ?? problem.expected;
    if (!ref) throw new Error(`case '${problem.name}' has no reference results`);
    const tensors = backend.gradients ? ALL_TENSORS : (['out'] as const);
    const checks = checkResults(results, ref, tensors, GOLDEN_TOLERANCE, frobenius(problem.gradOut));
    return {
      report: { name: problem.name, backend: backend.name, pass: checks.length > 0 && checks.every((c) => c.pass), checks, ms: performance.now() - started },
      results,
    };
  } catch (err) {
    return { report: { name: problem.name, backend: backend.name, pass: false, checks: [], error: (err as Error).message, ms: performance.now() - started } };
  }
}

export function formatCaseLine(r: CaseReport): string {
  const verdict = r.pass ? 'PASS' : 'FAIL';
  if (r.error) return `${verdict}  ${r.name.padEnd(28)} ${r.backend.padEnd(9)} error: ${r.error}`;
  const errs = r.checks.map((c) => `${c.tensor}=${c.relFro.toExponential(2)}${c.floored ? '*' : ''}`).join('  ');
  return `${verdict}  ${r.name.padEnd(28)} ${r.backend.padEnd(9)} ${errs}  (${r.ms.toFixed(0)} ms)`;
}

export function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}
