/**
 * The property-based fuzz of the public MTA API (issue 13, "Also build"): random shapes, options, dtypes,
 * devices, implementations and values (huge, tiny, NaN, Inf, masked), and a few wrong-typed arguments.
 * Each call must either throw a named error of the project (with the argument, expected and actual in its
 * message where the class carries them) or match the cpu float64 reference: the fused cpu kernel in
 * float64 on the very values the call saw (after rounding to its dtype), forward and, for finite inputs,
 * backward. NaN positions must agree exactly; finite values within a dtype's tolerance.
 *
 * One fuzz for every device: a FuzzSpace picks the devices (and the sizes and dtypes drawn); calls are made
 * synchronously and their results read back through `await tensor.numbers()`, the read every device has, so
 * the webgpu device (which cannot read synchronously) runs the same cases, classification and comparison.
 *
 * Used by `test/fuzz-api.test.ts` (about 500 runs on cpu and npu), `test/fuzz-webgpu.test.ts` (about 100 on
 * webgpu) and `pnpm fuzz [--device webgpu] --runs N` (main.ts).
 */
import fc from 'fast-check';
import {
  fromBfloat16Bits, fromFloat16Bits, InvalidArgumentError, MissingKernelError, mulberry32, noGrad, tensor, tidy, toBfloat16Bits, toFloat16Bits,
  type DType, type Tensor,
} from '@mta/core';
import { NpuAccessError, PlanError, UbOverflowError } from '@mta/device-npu';
import { MtaArgumentError, multiTokenAttention, type MtaImpl, type MtaOptions, type MtaPadding, type MtaShape } from '../../src/index.js';

export type FuzzDevice = 'cpu' | 'npu' | 'webgpu';
export type ScoreDType = 'float32' | 'float64' | 'float16' | 'bfloat16';

/**
 * What one fuzz run draws from. The host space (cpu, npu) is the original fuzz; the webgpu space draws
 * float32 more often (float32 and float16 are the dtypes the device stores; the others must be named errors) and the fused
 * path more often (the composite path runs several primitive kernels per call). Maps stay as small as the host's
 * (L <= 9): SwiftShader compiles pipelines per geometry and 100 cases then take about 6 s.
 */
export interface FuzzSpace {
  readonly devices: readonly FuzzDevice[];
  readonly maxL: number;
  /** Drawn uniformly: repeat an entry to weight it. */
  readonly dtypes: readonly ScoreDType[];
  readonly impls: readonly MtaImpl[];
}

export const HOST_SPACE: FuzzSpace = {
  devices: ['cpu', 'npu'], maxL: 9, dtypes: ['float32', 'float32', 'float64', 'float16', 'bfloat16'], impls: ['auto', 'fused', 'composite'],
};

export const WEBGPU_SPACE: FuzzSpace = {
  devices: ['webgpu'], maxL: 9, dtypes: ['float32', 'float32', 'float32', 'float32', 'float64', 'float16', 'bfloat16'],
  impls: ['auto', 'fused', 'fused', 'composite'],
};

/** How the values of one call are drawn. */
export interface FuzzValues {
  readonly seed: number;
  /** Multiplies standard-normal scores: tiny to huge. */
  readonly scale: number;
  /** NaN / +-Inf written above the diagonal (must never matter). */
  readonly maskedJunk: boolean;
  /** A NaN, +Inf or -Inf written below the diagonal (rows become NaN, or -Inf gets 0). */
  readonly unmaskedNonFinite: 'none' | 'nan' | 'inf' | '-inf';
}

export interface FuzzCase extends MtaShape {
  readonly bias: boolean;
  readonly dtype: ScoreDType;
  readonly device: FuzzDevice;
  readonly options: MtaOptions;
  readonly values: FuzzValues;
  readonly backward: boolean;
  /** Replaces one argument with a wrong-typed value (a JavaScript caller), or none. */
  readonly wrongType: 'none' | 'weight-null' | 'options-null' | 'bias-number' | 'scores-array' | 'options-string';
}

/** Mostly paddings that keep the L x L map (so the call gets to the kernels), sometimes wrong ones. */
function paddingFor(kH: number, kW: number, dilation: number): fc.Arbitrary<MtaPadding> {
  const rows = (kH - 1) * dilation;
  const cols = (kW - 1) * dilation;
  return fc.oneof(
    { weight: 5, arbitrary: fc.constant('causal' as const) },
    { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 0, max: rows }), fc.integer({ min: 0, max: cols }))
      .map(([t, l]): MtaPadding => [t, rows - t, l, cols - l]) },
    { weight: 1, arbitrary: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.constant(1.5),
      fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })) as fc.Arbitrary<MtaPadding>) },
  );
}

/**
 * The dtypes each device's MTA kernels compute on. A call in any other dtype must be a named error: a
 * webgpu call that returned float64 results would mean a silent cast or a path that skipped the check.
 */
const COMPUTES: Record<FuzzDevice, readonly ScoreDType[]> = {
  cpu: ['float32', 'float64', 'float16', 'bfloat16'], npu: ['float32', 'float64', 'float16', 'bfloat16'], webgpu: ['float32', 'float16'],
};

const SCALES = [0, 1e-30, 1e-6, 1, 30, 1e4, 1e9, 1e16, 1e30];

const baseIn = (space: FuzzSpace) => fc.record({
  B: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.constant(0) }),
  cinPerGroup: fc.integer({ min: 1, max: 3 }),
  coutPerGroup: fc.integer({ min: 1, max: 3 }),
  /** Now and then channel counts that groups does not divide. */
  badGroups: fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  L: fc.integer({ min: 1, max: space.maxL }),
  kH: fc.integer({ min: 1, max: 4 }),
  kW: fc.integer({ min: 1, max: 4 }),
  dilation: fc.oneof({ weight: 6, arbitrary: fc.constant(1) }, { weight: 3, arbitrary: fc.constant(2) }, { weight: 1, arbitrary: fc.constant(0) }),
  bias: fc.boolean(),
  dtype: fc.constantFrom<ScoreDType>(...space.dtypes),
  device: fc.constantFrom<FuzzDevice>(...space.devices),
  mode: fc.constantFrom('post' as const, 'pre' as const),
  sparse: fc.boolean(),
  groups: fc.constantFrom(1, 1, 1, 2, 3),
  otherChannels: fc.integer({ min: 1, max: 4 }),
  impl: fc.constantFrom<MtaImpl>(...space.impls),
  values: fc.record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    scale: fc.constantFrom(...SCALES),
    maskedJunk: fc.boolean(),
    unmaskedNonFinite: fc.constantFrom('none' as const, 'none' as const, 'none' as const, 'nan' as const, 'inf' as const, '-inf' as const),
  }),
  backward: fc.boolean(),
  wrongType: fc.oneof(
    { weight: 20, arbitrary: fc.constant('none' as const) },
    { weight: 1, arbitrary: fc.constantFrom('weight-null' as const, 'options-null' as const, 'bias-number' as const, 'scores-array' as const, 'options-string' as const) },
  ),
});

export const fuzzCaseIn = (space: FuzzSpace): fc.Arbitrary<FuzzCase> => baseIn(space).chain((b) => paddingFor(b.kH, b.kW, Math.max(b.dilation, 1)).map((padding): FuzzCase => ({
  B: b.B, Cin: b.badGroups ? b.otherChannels : b.groups * b.cinPerGroup, Cout: b.groups * b.coutPerGroup, L: b.L, kH: b.kH, kW: b.kW, bias: b.bias, dtype: b.dtype, device: b.device,
  options: { mode: b.mode, sparse: b.sparse, padding, dilation: b.dilation, groups: b.groups, impl: b.impl },
  values: b.values, backward: b.backward, wrongType: b.wrongType,
})));

export const fuzzCase: fc.Arbitrary<FuzzCase> = fuzzCaseIn(HOST_SPACE);

/** The project's named errors. A raw TypeError / RangeError / Error is a finding. */
const NAMED: readonly (abstract new (...args: never[]) => Error)[] = [
  InvalidArgumentError, MtaArgumentError, MissingKernelError, UbOverflowError, PlanError, NpuAccessError,
];

export type Outcome = 'match' | 'named-error';

export class FuzzFailure extends Error {
  override readonly name = 'FuzzFailure';
}

export interface FuzzCounts {
  match: number;
  named: number;
  raw: number;
  namedByClass: Record<string, number>;
  /** Named errors by class and argument, to see which checks the runs reach. */
  namedByArgument: Record<string, number>;
}

const TOLERANCE: Record<ScoreDType, number> = { float64: 1e-9, float32: 2e-5, float16: 5e-3, bfloat16: 4e-2 };

function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Scores (B, Cin, L, L) with the case's values; junk above the diagonal never reaches an output. */
function scoreValues(c: FuzzCase): Float64Array {
  const { B, Cin, L, values } = c;
  const rand = mulberry32(values.seed);
  const x = Float64Array.from({ length: B * Cin * L * L }, () => normal(rand) * values.scale);
  for (let m = 0; m < B * Cin; m++) {
    for (let i = 0; i < L; i++) {
      for (let j = i + 1; j < L; j++) if (values.maskedJunk) x[(m * L + i) * L + j] = [NaN, Infinity, -Infinity][(i + j) % 3]!;
    }
  }
  if (values.unmaskedNonFinite !== 'none' && x.length > 0) {
    const m = Math.floor(rand() * B * Cin);
    const i = Math.floor(rand() * L);
    const j = Math.floor(rand() * (i + 1));
    x[(m * L + i) * L + j] = { nan: NaN, inf: Infinity, '-inf': -Infinity }[values.unmaskedNonFinite];
  }
  return x;
}

/** Whether every unmasked score (j <= i) is finite once stored in `dtype`; the masked ones never matter. */
function unmaskedStayFinite(scores: Float64Array, L: number, dtype: ScoreDType): boolean {
  const stored = (v: number): number => {
    if (dtype === 'float16') return fromFloat16Bits(toFloat16Bits(v));
    if (dtype === 'bfloat16') return fromBfloat16Bits(toBfloat16Bits(v));
    return dtype === 'float32' ? Math.fround(v) : v;
  };
  return scores.every((v, k) => k % L > Math.floor(k / L) % L || Number.isFinite(stored(v)));
}

/** Every device's read (webgpu has no synchronous one); numbers() decodes half storage (toArray gives its raw bits). */
export const host = async (t: Tensor): Promise<Float64Array> => Float64Array.from(await t.numbers());

interface Results { out: Float64Array; grads: Float64Array[] | null }

/**
 * Runs one call and returns its results as float64 (every tensor freed). The call is synchronous inside
 * tidy, which keeps only what is to be read; the reads wait afterwards, and an error a device reports at
 * read time (a kernel fault on webgpu) rejects here like one thrown by the call.
 */
async function run(c: FuzzCase, scores: Float64Array, weight: Float64Array, bias: Float64Array | null, gradOut: Float64Array,
  device: FuzzDevice, dtype: DType, options: MtaOptions, backward: boolean, wrong: FuzzCase['wrongType']): Promise<{ results: Results; seenScores: Float64Array }> {
  const { B, Cin, Cout, L, kH, kW } = c;
  const groups = options.groups ?? 1;
  const wIn = Number.isInteger(Cin / groups) ? Cin / groups : Cin;
  const leaf = (v: Float64Array, shape: number[]) => tensor(v, shape, { dtype, device, requiresGrad: backward });
  const kept = tidy(() => {
    const s = leaf(scores, [B, Cin, L, L]);
    // The values the call saw, as a copy the call never gets: read after the call (webgpu reads only
    // asynchronously), so a kernel writing into its input cannot move the reference along with it.
    const seen = tensor(scores, [B, Cin, L, L], { dtype, device });
    const w = leaf(weight, [Cout, wIn, kH, kW]);
    const b = bias ? leaf(bias, [Cout]) : null;
    const args: unknown[] = [s, w, b, options];
    if (wrong === 'weight-null') args[1] = null;
    if (wrong === 'options-null') args[3] = null;
    if (wrong === 'bias-number') args[2] = 3;
    if (wrong === 'scores-array') args[0] = Array.from(scores.slice(0, 4));
    if (wrong === 'options-string') args[3] = 'causal';
    const call = multiTokenAttention as (...a: unknown[]) => Tensor;
    if (!backward) return { scores: seen, out: noGrad(() => call(...args)), grads: [] as Tensor[] };
    const out = call(...args);
    out.backward(tensor(gradOut, out.shape as number[], { dtype, device }));
    return { scores: seen, out, grads: [s, w, ...(b ? [b] : [])].map((t) => t.grad!) };
  });
  try {
    const [seenScores, out, ...grads] = await Promise.all([kept.scores, kept.out, ...kept.grads].map(host));
    return { results: { out: out!, grads: backward ? grads : null }, seenScores: seenScores! };
  } finally {
    for (const t of [kept.scores, kept.out, ...kept.grads]) t.dispose();
  }
}

function compare(got: Float64Array, want: Float64Array, tol: number, what: string): void {
  if (got.length !== want.length) throw new FuzzFailure(`${what}: ${got.length} values, reference ${want.length}`);
  let diff = 0;
  let norm = 0;
  for (let k = 0; k < got.length; k++) {
    const g = got[k]!, w = want[k]!;
    if (Number.isNaN(g) !== Number.isNaN(w)) throw new FuzzFailure(`${what}[${k}]: ${g}, reference ${w} (NaN on one side only)`);
    if (Number.isNaN(g)) continue;
    if (!Number.isFinite(g) || !Number.isFinite(w)) {
      if (g !== w) throw new FuzzFailure(`${what}[${k}]: ${g}, reference ${w}`);
      continue;
    }
    diff += (g - w) ** 2;
    norm += w * w;
  }
  const rel = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
  if (rel > tol && Math.sqrt(diff) > 1e-30) throw new FuzzFailure(`${what}: relFro ${rel.toExponential(2)} > ${tol} against the cpu float64 reference`);
}

/** One fuzz case; returns its outcome, or throws a FuzzFailure (a raw error or a wrong answer). */
export async function checkCase(c: FuzzCase, counts?: FuzzCounts): Promise<Outcome> {
  const scores = scoreValues(c);
  const rand = mulberry32(c.values.seed ^ 0x5bd1e995);
  const groups = c.options.groups ?? 1;
  const wIn = Number.isInteger(c.Cin / groups) ? c.Cin / groups : c.Cin;
  const weight = Float64Array.from({ length: c.Cout * wIn * c.kH * c.kW }, () => normal(rand) * 0.5);
  const bias = c.bias ? Float64Array.from({ length: c.Cout }, () => normal(rand) * 0.5) : null;
  const gradOut = Float64Array.from({ length: c.B * c.Cout * c.L * c.L }, () => normal(rand));
  // Backward is compared for finite inputs as the call sees them: rounded to its dtype (1e9 is Inf in float16).
  const finite = c.values.unmaskedNonFinite === 'none' && unmaskedStayFinite(scores, c.L, c.dtype);
  const backward = c.backward && finite;
  let candidate: { results: Results; seenScores: Float64Array };
  try {
    candidate = await run(c, scores, weight, bias, gradOut, c.device, c.dtype, c.options, backward, c.wrongType);
  } catch (error) {
    return classifyError(error, counts);
  }
  if (c.wrongType !== 'none') throw new FuzzFailure(`wrong-typed argument (${c.wrongType}) was accepted`);
  if (!COMPUTES[c.device].includes(c.dtype)) throw new FuzzFailure(`${c.dtype} on ${c.device} was accepted; the device computes ${COMPUTES[c.device].join(', ')}`);
  // The reference sees the values the call saw (rounded to its dtype), in float64, fused, on cpu.
  const rounded = async (v: Float64Array): Promise<Float64Array> => {
    if (c.dtype === 'float64' || c.dtype === 'float32') return v;
    const t = tensor(v, [v.length], { dtype: c.dtype });
    try {
      return await host(t);
    } finally {
      t.dispose();
    }
  };
  let reference: Results;
  try {
    reference = (await run(c, candidate.seenScores, await rounded(weight), bias ? await rounded(bias) : null, await rounded(gradOut), 'cpu', 'float64',
      { ...c.options, impl: 'fused' }, backward, 'none')).results;
  } catch (error) {
    throw new FuzzFailure(`the call succeeded but the cpu float64 reference threw: ${(error as Error).message}`);
  }
  const tol = TOLERANCE[c.dtype];
  // The activation's input is rounded to float32 (or half) in the candidate and not in the reference: an
  // error of eps * |x| in x moves the probabilities by as much, so the tolerance grows with the size of the
  // activation's input (the scores in post mode, the convolved scores in pre mode), up to 1000x.
  const maxScore = candidate.seenScores.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 1);
  const weightSum = weight.reduce((s, v) => s + Math.abs(v), 0) + (bias ? bias.reduce((s, v) => Math.max(s, Math.abs(v)), 0) : 0);
  const activationInput = c.options.mode === 'pre' ? maxScore * Math.max(1, weightSum) : maxScore;
  compare(candidate.results.out, reference.out, tol * Math.min(activationInput, 1e3), 'out');
  if (candidate.results.grads && reference.grads) {
    // Gradients: relative to the gradient's scale, floored at the scale of the terms it sums (a gradient that
    // is zero in exact arithmetic, such as the pre-mode bias gradient, or one that cancels in a saturated
    // softmax, is round-off on both sides): ||grad_out|| (x the largest score for the weight gradient, a sum
    // of grad x score products), times 1e-2 (ten times the golden floor: these sums run over random, not unit, scales), or 1 for half
    // storage, which rounds every term.
    const names = ['grad scores', 'grad weight', 'grad bias'];
    const half = c.dtype === 'float16' || c.dtype === 'bfloat16';
    const gradOutNorm = Math.sqrt(gradOut.reduce((s, v) => s + v * v, 0)) * (half ? 1 : 1e-2);
    candidate.results.grads.forEach((g, k) => {
      const want = reference.grads![k]!;
      const floor = gradOutNorm * (k === 1 ? maxScore : 1);
      const norm = Math.sqrt(want.reduce((s, v) => s + (Number.isFinite(v) ? v * v : 0), 0));
      compare(g, want, (tol * Math.min(activationInput, 1e3) * Math.max(norm, floor)) / Math.max(norm, 1e-300), names[k]!);
    });
  }
  if (counts) counts.match++;
  return 'match';
}

/**
 * A thrown error: 'named-error' when it is one of the project's classes (and, for the argument errors, carries
 * argument, expected and actual); otherwise a FuzzFailure, counted as raw.
 */
export function classifyError(error: unknown, counts?: FuzzCounts): 'named-error' {
  if (NAMED.some((k) => error instanceof k)) {
    const e = error as Error & { argument?: string; expected?: string; actual?: string };
    if ((error instanceof InvalidArgumentError || error instanceof MtaArgumentError) && !(e.argument && e.expected && e.actual !== undefined)) {
      throw new FuzzFailure(`${e.name} without argument/expected/actual: ${e.message}`);
    }
    if (counts) {
      counts.named++;
      counts.namedByClass[e.name] = (counts.namedByClass[e.name] ?? 0) + 1;
      const key = `${e.name} ${e.argument ?? ''}`;
      counts.namedByArgument[key] = (counts.namedByArgument[key] ?? 0) + 1;
    }
    return 'named-error';
  }
  if (counts) counts.raw++;
  const e = error as Error;
  throw new FuzzFailure(`raw ${e?.name ?? typeof error}: ${e?.message ?? String(error)}`);
}

export function newCounts(): FuzzCounts {
  return { match: 0, named: 0, raw: 0, namedByClass: {}, namedByArgument: {} };
}
