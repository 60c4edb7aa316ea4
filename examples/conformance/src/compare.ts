import { compareTensors, OrtPlacementError } from '@mta/ort';
import type { EvalBackend } from './backends';
import { ALL_TENSORS, type MtaProblem, type MtaTensorName, type Results } from './problem';

/** The golden README's tolerance for float32 implementations. */
export const GOLDEN_TOLERANCE = 1e-5;

/**
 * A gradient that is zero in exact arithmetic (see `exactlyZeroGradients`) is stored in the golden file as
 * float64 round-off (~1e-17 of the scale), and no float32 computation can match round-off to 1e-5 relative.
 * Such a tensor, and only such a tensor, is held instead to an absolute bound: its error must stay within
 * GOLDEN_TOLERANCE x NOISE_FLOOR x ||grad_out||_F (1e-8 of the scale every gradient is made from). A
 * correct float32 sum passes (its error is ~1e-8 of that scale) and a wrong gradient (order 1) fails.
 *
 * Why not by name and norm: flooring every gradient whose norm is under NOISE_FLOOR x ||grad_out||_F
 * loosens the check for real gradients as L grows (||grad_out||_F grows like L, a gradient summed over a
 * band need not), so at L = 4096 a wrong nonzero gradient could pass. Reports flag floored tensors with '*'.
 */
export const NOISE_FLOOR = 1e-3;

/** What a comparison needs to know about the problem beyond the arrays. */
export interface CheckOptions {
  /** ||grad_out||_F: the scale of every gradient. */
  readonly gradientScale?: number;
  /** Tensors that are zero in exact arithmetic for this problem (held to the absolute bound above). */
  readonly exactZero?: readonly string[];
}

/**
 * The gradients of an MTA problem that are zero in exact arithmetic, from the math, not from their values:
 * - pre mode's bias gradient: the bias shifts every unmasked entry of a row of C by the same amount, and
 *   softmax and sparsemax are shift-invariant along a row (masked entries are excluded), so it gets none;
 * - at L = 1 every row has one entry, whose softmax or sparsemax is 1 whatever the score: nothing before
 *   the normalisation gets a gradient (grad_scores in both modes; in pre mode also grad_weight).
 */
export function exactlyZeroGradients(problem: Pick<MtaProblem, 'shape' | 'config' | 'bias'>): MtaTensorName[] {
  const zero: MtaTensorName[] = [];
  const pre = problem.config.mode === 'pre';
  if (pre && problem.bias) zero.push('grad_bias');
  if (problem.shape.L === 1) zero.push('grad_scores', ...(pre ? (['grad_weight'] as const) : []));
  return zero;
}

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
  /** Why the case was not run (a precondition of the host or the backend, e.g. no kernel for a primitive); pass is false. */
  readonly skipped?: string;
  readonly ms: number;
}

/** Compares every tensor a backend produced with the reference; missing or non-finite results fail. */
export function checkResults(results: Results, reference: Results, tensors: readonly string[], tolerance = GOLDEN_TOLERANCE, options: CheckOptions = {}): TensorCheck[] {
  const floor = NOISE_FLOOR * (options.gradientScale ?? 0);
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
    if (options.exactZero?.includes(name) && floor > 0) {
      // Measured against the floor: ||got - expected|| / (NOISE_FLOOR x ||grad_out||).
      const norm = frobenius(expected);
      const relFro = (c.relFro * (norm === 0 ? 1 : norm)) / floor;
      checks.push({ tensor: name, relFro, maxAbs: c.maxAbs, pass: c.allFinite && relFro <= tolerance, floored: true });
    } else {
      checks.push({ tensor: name, relFro: c.relFro, maxAbs: c.maxAbs, pass: c.allFinite && c.relFro <= tolerance });
    }
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
    const checks = checkResults(results, ref, tensors, GOLDEN_TOLERANCE, { gradientScale: frobenius(problem.gradOut), exactZero: exactlyZeroGradients(problem) });
    return {
      report: { name: problem.name, backend: backend.name, pass: checks.length > 0 && checks.every((c) => c.pass), checks, ms: performance.now() - started },
      results,
    };
  } catch (err) {
    const ms = performance.now() - started;
    // The graph ran, partly off the GPU: not a result of this backend, so neither a pass nor a failure of it.
    if (err instanceof OrtPlacementError) return { report: { name: problem.name, backend: backend.name, pass: false, checks: [], skipped: `skipped: ${err.message}`, ms } };
    return { report: { name: problem.name, backend: backend.name, pass: false, checks: [], error: (err as Error).message, ms } };
  }
}

export function formatCaseLine(r: CaseReport): string {
  if (r.skipped !== undefined) return `SKIP  ${r.name.padEnd(28)} ${r.backend.padEnd(9)} ${r.skipped}`;
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
