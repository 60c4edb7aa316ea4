import type { MtaConfig, MtaShape } from '../../config.js';
import { allocateLike, dtypeOf, isShared, overlaps } from './arrays.js';
import type { BackwardJob } from './backward-item.js';
import type { ForwardJob } from './forward-item.js';
import { runJobSync, type MtaJob } from './job.js';
import { planCpuMta, type MtaPlan } from './plan.js';
import type {
  MtaArray, MtaBackwardOutputs, MtaBackwardResult, MtaForwardOutputs, MtaForwardResult, MtaSaved,
} from './types.js';
import type { MtaCpuWorkspace } from './workspace.js';

/**
 * Fused multi-token attention on the CPU (semantics: /work/shared/golden/README.md).
 * Forward:  post: O = mask0(conv(pad(softmax|sparsemax(mask(S))))), pre: O = softmax|sparsemax(mask(conv(pad(mask0(S))))).
 * Only the causal triangle (j <= i) of any input is read, so masked scores may hold anything, NaN included.
 * With a workspace holding a pool, large calls run on all of the pool's threads; results are
 * bit-identical to the single-thread path because the work split depends only on the shape.
 */
export function mtaForward<T extends MtaArray>(
  scores: T,
  weight: MtaArray,
  bias: MtaArray | null,
  shape: MtaShape,
  config: MtaConfig,
  outputs?: T | MtaForwardOutputs<T>,
  workspace?: MtaCpuWorkspace,
): MtaForwardResult<T> {
  const plan = planCpuMta(shape, config, bias !== null);
  const { B, Cin, Cout, L } = plan;
  checkLength('mtaForward', 'scores', scores, B * Cin * L * L, '(B, Cin, L, L)');
  checkLength('mtaForward', 'weight', weight, plan.weightCount, '(Cout, Cin/groups, kH, kW)');
  if (bias !== null) checkLength('mtaForward', 'bias', bias, Cout, '(Cout)');
  const given: MtaForwardOutputs<T> = outputs === undefined ? {} : ArrayBuffer.isView(outputs) ? { out: outputs } : outputs;
  const outLength = B * Cout * L * L;
  const probsLength = B * Cin * L * L;
  if (given.out !== undefined) checkOutput('mtaForward', 'out', given.out, scores, outLength, '(B, Cout, L, L)', [scores]);
  const givenProbs = plan.pre ? undefined : given.probs;
  if (givenProbs !== undefined) {
    checkOutput('mtaForward', 'probs', givenProbs, scores, probsLength, '(B, Cin, L, L)', given.out ? [scores, given.out] : [scores]);
  }
  const parallel = workspace?.parallelFor(plan) === true;
  const params = packParams(plan, weight, bias, parallel ? workspace : undefined);
  const out = given.out ?? allocateLike(scores, outLength, parallel);
  const probs = plan.pre ? null : (givenProbs ?? allocateLike(scores, probsLength, parallel));
  if (!parallel || workspace === undefined) {
    runJobSync({ kind: 'forward', plan, scores, params, out, probs } satisfies ForwardJob);
  } else {
    const outTarget = sharedTarget(workspace, 'out', out);
    const probsTarget = probs === null ? null : sharedTarget(workspace, 'probs', probs);
    runOnPool(workspace, {
      kind: 'forward', plan, params, out: outTarget, probs: probsTarget,
      scores: sharedInput(workspace, 'scores', scores),
    } satisfies ForwardJob);
    if (outTarget !== out) out.set(outTarget);
    if (probs !== null && probsTarget !== probs && probsTarget !== null) probs.set(probsTarget);
  }
  const saved: MtaSaved<T> = { mode: config.mode, probs: probs ?? out, hasBias: bias !== null };
  return { out, saved };
}

/**
 * Gradients of sum(O * gradOut) with respect to the scores, weight and bias. `saved` is what
 * mtaForward returned; `scores` are the forward's scores (read in pre mode only).
 * Weight and bias gradients are accumulated in float64 and returned in the weight's element type.
 */
export function mtaBackward<T extends MtaArray, W extends MtaArray>(
  gradOut: T,
  saved: MtaSaved<T>,
  scores: T,
  weight: W,
  shape: MtaShape,
  config: MtaConfig,
  outputs: MtaBackwardOutputs<T, W> = {},
  workspace?: MtaCpuWorkspace,
): MtaBackwardResult<T, W> {
  const plan = planCpuMta(shape, config, saved.hasBias);
  const { B, Cin, Cout, L, weightCount } = plan;
  if (saved.mode !== config.mode) {
    throw new Error(`mtaBackward: saved.mode: expected '${config.mode}' (config.mode), got '${saved.mode}'. Pass the saved state of a forward with the same config.`);
  }
  checkLength('mtaBackward', 'gradOut', gradOut, B * Cout * L * L, '(B, Cout, L, L)');
  checkLength('mtaBackward', 'scores', scores, B * Cin * L * L, '(B, Cin, L, L)');
  checkLength('mtaBackward', 'weight', weight, weightCount, '(Cout, Cin/groups, kH, kW)');
  checkSameType('mtaBackward', 'gradOut', gradOut, scores);
  checkSameType('mtaBackward', 'saved.probs', saved.probs, scores);
  checkLength('mtaBackward', 'saved.probs', saved.probs, B * (plan.pre ? Cout : Cin) * L * L, plan.pre ? '(B, Cout, L, L)' : '(B, Cin, L, L)');
  const gradScoresLength = B * Cin * L * L;
  if (outputs.gradScores !== undefined) {
    checkOutput('mtaBackward', 'gradScores', outputs.gradScores, scores, gradScoresLength, '(B, Cin, L, L)', [gradOut, saved.probs, scores]);
  }
  if (outputs.gradWeight !== undefined) checkOutput('mtaBackward', 'gradWeight', outputs.gradWeight, weight, weightCount, '(Cout, Cin/groups, kH, kW)', []);
  if (outputs.gradBias !== undefined && saved.hasBias) checkOutput('mtaBackward', 'gradBias', outputs.gradBias, weight, Cout, '(Cout)', []);

  const parallel = workspace?.parallelFor(plan) === true;
  const params = packParams(plan, weight, null, parallel ? workspace : undefined);
  const partialLength = plan.items.length * (weightCount + Cout);
  const partials = parallel && workspace ? workspace.buffer('partials', 'float64', partialLength) : new Float64Array(partialLength);
  const gradScores = outputs.gradScores ?? allocateLike(scores, gradScoresLength, parallel);
  if (!parallel || workspace === undefined) {
    runJobSync({ kind: 'backward', plan, gradOut, probs: saved.probs, scores, params, gradScores, partials } satisfies BackwardJob);
  } else {
    const target = sharedTarget(workspace, 'gradScores', gradScores);
    const probs = sharedInput(workspace, 'probs', saved.probs);
    runOnPool(workspace, {
      kind: 'backward', plan, params, partials, gradScores: target, probs,
      gradOut: sharedInput(workspace, 'gradOut', gradOut),
      // Post mode never reads the scores; do not pay for a staging copy.
      scores: plan.pre ? sharedInput(workspace, 'scores', scores) : probs,
    } satisfies BackwardJob);
    if (target !== gradScores) gradScores.set(target);
  }
  const gradWeight = outputs.gradWeight ?? allocateLike(weight, weightCount, false);
  const gradBias = saved.hasBias ? (outputs.gradBias ?? allocateLike(weight, Cout, false)) : null;
  sumPartials(plan, partials, gradWeight, gradBias);
  return { gradScores, gradWeight, gradBias };
}

/** Sums the per-item float64 gradient sums in item order (the same order for any thread count). */
function sumPartials(plan: MtaPlan, partials: Float64Array, gradWeight: MtaArray, gradBias: MtaArray | null): void {
  const stride = plan.weightCount + plan.Cout;
  const itemCount = plan.items.length;
  for (let k = 0; k < plan.weightCount; k++) {
    let sum = 0;
    for (let item = 0; item < itemCount; item++) sum += partials[item * stride + k];
    gradWeight[k] = sum;
  }
  if (gradBias === null) return;
  for (let co = 0; co < plan.Cout; co++) {
    let sum = 0;
    for (let item = 0; item < itemCount; item++) sum += partials[item * stride + plan.weightCount + co];
    gradBias[co] = sum;
  }
}

/** Weights (then bias) as float64, so the inner loops see one array type. */
function packParams(plan: MtaPlan, weight: MtaArray, bias: MtaArray | null, workspace: MtaCpuWorkspace | undefined): Float64Array {
  const length = plan.weightCount + plan.Cout;
  const params = workspace ? workspace.buffer('params', 'float64', length) : new Float64Array(length);
  params.set(weight);
  if (bias !== null) params.set(bias, plan.weightCount);
  else params.fill(0, plan.weightCount);
  return params;
}

function runOnPool(workspace: MtaCpuWorkspace, job: MtaJob): void {
  if (workspace.pool === null) throw new Error('mta cpu kernel: internal: parallel path without a pool.');
  workspace.pool.run(job);
}

/** The array itself when workers can see it, else a shared staging copy. */
function sharedInput<T extends MtaArray>(workspace: MtaCpuWorkspace, role: string, array: T): T {
  if (isShared(array)) return array;
  const copy = workspace.buffer(role, dtypeOf(array), array.length) as T;
  copy.set(array);
  return copy;
}

/** Where workers write an output: the output itself when shared, else a staging array copied back after. */
function sharedTarget<T extends MtaArray>(workspace: MtaCpuWorkspace, role: string, array: T): T {
  return isShared(array) ? array : (workspace.buffer(`${role}-out`, dtypeOf(array), array.length) as T);
}

function checkLength(fn: string, name: string, array: MtaArray, expected: number, layout: string): void {
  if (!(array instanceof Float32Array || array instanceof Float64Array)) {
    throw new Error(`${fn}: ${name}: expected a Float32Array or Float64Array, got ${describe(array)}.`);
  }
  if (array.length !== expected) {
    throw new Error(`${fn}: ${name}: expected ${expected} elements ${layout}, got ${array.length}. Check shape against the array.`);
  }
}

function checkSameType(fn: string, name: string, array: MtaArray, like: MtaArray): void {
  if (dtypeOf(array) !== dtypeOf(like)) {
    throw new Error(`${fn}: ${name}: expected ${dtypeOf(like)} like the scores, got ${dtypeOf(array)}. Convert it first.`);
  }
}

function checkOutput(fn: string, name: string, array: MtaArray, like: MtaArray, expected: number, layout: string, inputs: readonly MtaArray[]): void {
  checkLength(fn, name, array, expected, layout);
  checkSameType(fn, name, array, like);
  for (const input of inputs) {
    if (overlaps(array, input)) throw new Error(`${fn}: ${name}: must not share memory with an input or another output; pass a separate buffer.`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
