import { noGrad } from '../tape.js';
import { tidy } from '../scope.js';
import { Tensor, writeTensor } from '../tensor.js';
import { sum } from '../ops/reduce.js';
import { mul } from '../ops/elementwise.js';
import { tensor } from '../ops/creation.js';

/**
 * Float64 central differences against the analytic gradients of `fn`. The scalar checked is
 * sum(fn(inputs) * probe) with a fixed random probe, so every output element's gradient is exercised.
 */
export interface GradcheckOptions {
  readonly eps?: number;
  readonly atol?: number;
  readonly rtol?: number;
  /** Seed of the probe weights. */
  readonly seed?: number;
}

export interface GradcheckResult {
  readonly ok: boolean;
  /** Largest |analytic - numeric| / (atol + rtol * |numeric|) over all checked elements; <= 1 passes. */
  readonly worst: number;
  readonly failures: readonly string[];
}

/** Deterministic probe weights in [-1, 1) (xorshift32), so every output element's gradient is exercised. */
export function probeValues(n: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-4, seed = 7 } = options;
  for (const [i, t] of inputs.entries()) {
    if (t.dtype !== 'float64' && t.requiresGrad) {
      throw new Error(`gradcheck: input ${i} ${t.describe()} must be float64 for finite differences to be meaningful`);
    }
  }
  // Leaves we own: fresh float64 copies, so the caller's tensors and grads stay untouched.
  const leaves = inputs.map((t) => {
    const copy = tensor(t.toArray(), t.shape, { dtype: t.dtype, device: t.device });
    copy.requiresGrad = t.requiresGrad;
    return copy;
  });
  // Shape and device of the output, from a first evaluation whose tensors (intermediates included) are freed.
  let outShape: readonly number[] = [];
  let outDevice = leaves[0]?.device;
  noGrad(() => tidy(() => {
    const y = fn(...leaves);
    outShape = y.shape;
    outDevice = y.device;
  }));
  const probe = tensor(probeValues(outShape.reduce((n, d) => n * d, 1), seed), outShape, { dtype: 'float64', device: outDevice });
  const objective = (xs: readonly Tensor[]): Tensor => sum(mul(fn(...xs), probe));

  tidy(() => { objective(leaves).backward(); });

  const failures: string[] = [];
  let worst = 0;
  leaves.forEach((leaf, i) => {
    if (!leaf.requiresGrad) return;
    const analytic = leaf.grad ? leaf.grad.toArray() : new Float64Array(leaf.size);
    // Perturbs one element at a time through the device's memory, so gradcheck runs on any device.
    const data = leaf.toArray() as Float64Array;
    for (let k = 0; k < leaf.size; k++) {
      const original = data[k]!;
      const evalAt = (v: number): number => {
        data[k] = v;
        writeTensor(leaf, data);
        return noGrad(() => tidy(() => objective(leaves).item()));
      };
      const numeric = (evalAt(original + eps) - evalAt(original - eps)) / (2 * eps);
      data[k] = original;
      writeTensor(leaf, data);
      const err = Math.abs(analytic[k]! - numeric) / (atol + rtol * Math.abs(numeric));
      if (!(err <= 1)) failures.push(`input ${i} element ${k}: analytic ${analytic[k]}, numeric ${numeric}`);
      if (!(err <= worst)) worst = err;
    }
  });
  leaves.forEach((t) => { t.grad?.dispose(); t.dispose(); });
  probe.dispose();
  return { ok: failures.length === 0, worst, failures: failures.slice(0, 10) };
}
