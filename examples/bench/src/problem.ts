/**
 * The benchmark's problem: B=2, Cin=Cout=4, 3x3 kernel, padding 1, bias, float32 (benchmarks.md),
 * and seeded inputs so every backend, in every process, sees the same numbers.
 */
import type { BenchInputs, BenchProblem, Variant } from './types';

export interface ProblemSize {
  readonly B: number;
  readonly C: number;
  readonly K: number;
  readonly padding: number;
}

export const DEFAULT_SIZE: ProblemSize = { B: 2, C: 4, K: 3, padding: 1 };

export function makeProblem(variant: Variant, L: number, size: ProblemSize = DEFAULT_SIZE): BenchProblem {
  const { B, C, K, padding } = size;
  return {
    variant,
    shape: { B, Cin: C, Cout: C, L, kH: K, kW: K },
    config: { mode: 'post', sparse: variant === 'sparse', pads: [padding, padding, padding, padding], dilation: [1, 1], groups: 1 },
    bias: true,
  };
}

/** mulberry32: small, fast, good enough to make test data reproducible. */
function uniformSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normals(count: number, scale: number, next: () => number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    // Box-Muller; 1 - u keeps the log argument in (0, 1].
    const radius = scale * Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < count) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

export function makeInputs(problem: BenchProblem, seed = 1): BenchInputs {
  const { B, Cin, Cout, L, kH, kW } = problem.shape;
  const next = uniformSource(seed * 7919 + L);
  const fanIn = (Cin / problem.config.groups) * kH * kW;
  return {
    problem,
    scores: normals(B * Cin * L * L, 1, next),
    weight: normals(Cout * (Cin / problem.config.groups) * kH * kW, 1 / Math.sqrt(fanIn), next),
    bias: problem.bias ? normals(Cout, 0.1, next) : undefined,
    gradOut: normals(B * Cout * L * L, 1, next),
  };
}
