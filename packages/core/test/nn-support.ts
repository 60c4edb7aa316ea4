import { hostData, noGrad, probeValues, tensor, tidy, sum, mul, type Tensor, type nn } from '../src/index';

/**
 * Finite-difference checks for modules: the analytic gradients of sum(f(inputs) * probe) with respect to
 * the float64 inputs and every parameter, against central differences of the same objective. Core's
 * gradcheck covers functions of their inputs; modules hold their parameters, so this one perturbs them
 * in place.
 */
export interface ModuleGradcheck {
  /** Largest |analytic - numeric| / (atol + rtol |numeric|); <= 1 passes. */
  readonly worst: number;
  readonly checked: number;
  readonly failures: string[];
}

export function gradcheckModule(module: nn.Module, inputs: readonly Tensor[], fn: (...xs: Tensor[]) => Tensor,
  options: { eps?: number; atol?: number; rtol?: number } = {}): ModuleGradcheck {
  const { eps = 1e-6, atol = 1e-6, rtol = 1e-5 } = options;
  const first = noGrad(() => fn(...inputs));
  const probe = tensor(probeValues(first.size, 11), first.shape, { dtype: 'float64', device: first.device }).keep();
  first.dispose();
  const objective = (): Tensor => sum(mul(fn(...inputs), probe));
  const leaves = [...inputs.filter((t) => t.requiresGrad), ...module.parameters()];
  for (const t of leaves) {
    if (t.dtype !== 'float64') throw new Error(`gradcheckModule: ${t.describe()} must be float64`);
    t.grad?.dispose();
    t.grad = null;
  }
  tidy(() => { objective().backward(); });
  const failures: string[] = [];
  let worst = 0;
  let checked = 0;
  for (const leaf of leaves) {
    const analytic = leaf.grad ? leaf.grad.toArray() : new Float64Array(leaf.size);
    const data = hostData(leaf) as Float64Array;
    for (let k = 0; k < leaf.size; k++) {
      const original = data[leaf.offset + k]!;
      const at = (v: number): number => {
        data[leaf.offset + k] = v;
        return noGrad(() => tidy(() => objective().item()));
      };
      const numeric = (at(original + eps) - at(original - eps)) / (2 * eps);
      data[leaf.offset + k] = original;
      const err = Math.abs(analytic[k]! - numeric) / (atol + rtol * Math.abs(numeric));
      checked++;
      if (!(err <= 1)) failures.push(`${leaf.describe()}[${k}]: analytic ${analytic[k]}, numeric ${numeric}`);
      if (!(err <= worst)) worst = err;
    }
  }
  probe.dispose();
  return { worst, checked, failures: failures.slice(0, 10) };
}

/** Plain float64 host helpers for the reference implementations in the tests. */
export function randomArray(n: number, seed: number, scale = 1): number[] {
  return Array.from(probeValues(n, seed), (v) => v * scale);
}

/** Overwrites a (contiguous) tensor's elements in place: parameters with non-trivial test values. */
export function setValues(t: Tensor, values: readonly number[]): void {
  if (values.length !== t.size) throw new Error(`setValues: ${t.describe()} needs ${t.size} values, got ${values.length}`);
  const data = hostData(t);
  values.forEach((v, i) => { data[t.offset + i] = v; });
}

// ---- float64 host references of the transformer blocks (plain arrays, row-major) ----

export interface LinearValues { readonly weight: number[]; readonly bias: number[] | null; readonly out: number }

export function linearValues(l: nn.Linear): LinearValues {
  return { weight: l.weight.toNumbers(), bias: l.bias ? l.bias.toNumbers() : null, out: l.outFeatures };
}

/** rows x in -> rows x out: y = x W^T + b. */
export function referenceLinear(x: number[], p: LinearValues): number[] {
  const inF = p.weight.length / p.out;
  const rows = x.length / inF;
  const y: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < p.out; o++) {
      let acc = p.bias ? p.bias[o]! : 0;
      for (let i = 0; i < inF; i++) acc += x[r * inF + i]! * p.weight[o * inF + i]!;
      y.push(acc);
    }
  }
  return y;
}

export function referenceLayerNorm(x: number[], width: number, gamma: number[] | null, beta: number[] | null, eps: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / width; r++) {
    const row = x.slice(r * width, (r + 1) * width);
    const mu = row.reduce((s, v) => s + v, 0) / width;
    const variance = row.reduce((s, v) => s + (v - mu) ** 2, 0) / width;
    row.forEach((v, i) => out.push(((v - mu) / Math.sqrt(variance + eps)) * (gamma ? gamma[i]! : 1) + (beta ? beta[i]! : 0)));
  }
  return out;
}

export interface AttentionValues { readonly q: LinearValues; readonly k: LinearValues; readonly v: LinearValues; readonly o: LinearValues }

export function attentionValues(a: nn.CausalSelfAttention): AttentionValues {
  return { q: linearValues(a.q), k: linearValues(a.k), v: linearValues(a.v), o: linearValues(a.o) };
}

/**
 * Causal multi-head attention of x (B, L, D) by loops. `scoresOf` sees the raw scaled scores of one
 * (batch, head) as an L x L array and may rewrite them before the mask and softmax.
 */
export function referenceAttention(x: number[], b: number, l: number, d: number, heads: number, p: AttentionValues,
  rewrite?: (scores: number[][], batch: number, head: number) => number[][]): number[] {
  const hd = d / heads;
  const q = referenceLinear(x, p.q);
  const k = referenceLinear(x, p.k);
  const v = referenceLinear(x, p.v);
  const attended = new Array<number>(b * l * d).fill(0);
  for (let bi = 0; bi < b; bi++) {
    for (let h = 0; h < heads; h++) {
      const at = (t: number[], pos: number, c: number) => t[(bi * l + pos) * d + h * hd + c]!;
      let scores: number[][] = [];
      for (let i = 0; i < l; i++) {
        scores.push([]);
        for (let j = 0; j < l; j++) {
          let s = 0;
          for (let c = 0; c < hd; c++) s += at(q, i, c) * at(k, j, c);
          scores[i]!.push(s / Math.sqrt(hd));
        }
      }
      if (rewrite) scores = rewrite(scores, bi, h);
      for (let i = 0; i < l; i++) {
        const row = scores[i]!.slice(0, i + 1);
        const m = Math.max(...row);
        const e = row.map((s) => Math.exp(s - m));
        const z = e.reduce((s, v2) => s + v2, 0);
        for (let c = 0; c < hd; c++) {
          let acc = 0;
          for (let j = 0; j <= i; j++) acc += (e[j]! / z) * at(v, j, c);
          attended[(bi * l + i) * d + h * hd + c] = acc;
        }
      }
    }
  }
  return referenceLinear(attended, p.o);
}

export function referenceGeluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

/** Pre-LN block: h = x + attn(ln1(x)); y = h + fc2(act(fc1(ln2(h)))). */
export function referenceDecoderBlock(x: number[], b: number, l: number, d: number, heads: number, block: nn.DecoderBlock): number[] {
  const ln = (t: number[], m: nn.LayerNorm) => referenceLayerNorm(t, d, m.weight!.toNumbers(), m.bias!.toNumbers(), m.eps);
  const a = referenceAttention(ln(x, block.ln1), b, l, d, heads, attentionValues(block.attn));
  const h = x.map((v, i) => v + a[i]!);
  const act = block.activation === 'relu' ? (v: number) => Math.max(v, 0) : referenceGeluTanh;
  const hidden = referenceLinear(ln(h, block.ln2), linearValues(block.fc1)).map(act);
  const m = referenceLinear(hidden, linearValues(block.fc2));
  return h.map((v, i) => v + m[i]!);
}

/** Non-trivial values for every parameter (LayerNorm starts at 1 and 0, which would hide mistakes). */
export function randomizeParameters(module: nn.Module, seed: number, scale = 0.5): void {
  module.parameters().forEach((p, i) => setValues(p, randomArray(p.size, seed * 101 + i, scale)));
}
