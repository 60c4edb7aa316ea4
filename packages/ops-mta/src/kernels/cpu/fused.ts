import { cpuArena } from '@mta/device-cpu';
import { MtaArgumentError } from '../../errors.js';
import type { MtaGeometry } from '../../geometry.js';
import { allocateLike, dtypeOf, isShared, overlaps } from './arrays.js';
import type { BackwardJob } from './backward-item.js';
import type { ForwardJob } from './forward-item.js';
import { f32RowKernelsActive, runJobSync, type MtaJob } from './job.js';
import { UNPLACED, type F32Placement } from './placement-f32.js';
import { planCpuWork, type MtaCpuPlan } from './plan.js';
import { defaultScratchBlocks } from './scratch-block.js';
import { f32Layout, useArenaMemory } from './scratch-f32.js';
import { f32RowModule } from './wasm-rows-f32.js';
import type {
  MtaArray, MtaBackwardOutputs, MtaBackwardResult, MtaForwardOutputs, MtaForwardResult, MtaInferenceOutputs, MtaInferenceResult, MtaRecomputeSaved, MtaSaved,
} from './types.js';
import type { MtaCpuWorkspace } from './workspace.js';

/**
 * Fused multi-token attention on the CPU (semantics: golden/README.md at the repository root).
 * Forward:  post: O = mask0(conv(pad(softmax|sparsemax(mask(S))))), pre: O = softmax|sparsemax(mask(conv(pad(mask0(S))))).
 * Only the causal triangle (j <= i) of any input is read, so masked scores may hold anything, NaN included.
 * With a workspace holding a pool, large calls run on all of the pool's threads; results are
 * bit-identical to the single-thread path because the work split depends only on the shape.
 * `geometry` comes from mtaGeometry and is trusted; only the arrays are checked against it.
 * With `outputs.probs` null (inference), post mode saves nothing and `saved` is null.
 */
export function mtaForward<T extends MtaArray>(
  scores: T, weight: MtaArray, bias: MtaArray | null, geometry: MtaGeometry, outputs: MtaInferenceOutputs<T>, workspace?: MtaCpuWorkspace,
): MtaInferenceResult<T>;
export function mtaForward<T extends MtaArray>(
  scores: T, weight: MtaArray, bias: MtaArray | null, geometry: MtaGeometry, outputs?: T | MtaForwardOutputs<T>, workspace?: MtaCpuWorkspace,
): MtaForwardResult<T>;
export function mtaForward<T extends MtaArray>(
  scores: T,
  weight: MtaArray,
  bias: MtaArray | null,
  geometry: MtaGeometry,
  outputs?: T | MtaForwardOutputs<T> | MtaInferenceOutputs<T>,
  workspace?: MtaCpuWorkspace,
): MtaForwardResult<T> | MtaInferenceResult<T> {
  const { B, Cin, Cout, L, wElems } = geometry;
  const pre = geometry.mode === 'pre';
  checkLength('mtaForward', 'scores', scores, B * Cin * L * L, '(B, Cin, L, L)');
  checkGeometryDType('mtaForward', scores, geometry);
  checkLength('mtaForward', 'weight', weight, wElems, '(Cout, Cin/groups, kH, kW)');
  if ((bias !== null) !== geometry.hasBias) {
    throw new MtaArgumentError('mtaForward', 'bias', geometry.hasBias ? 'an array (geometry.hasBias is true)' : 'null (geometry.hasBias is false)',
      bias === null ? 'null' : describe(bias), 'build the geometry with hasBias matching the call');
  }
  if (bias !== null) checkLength('mtaForward', 'bias', bias, Cout, '(Cout)');
  const plan = planCpuWork(geometry);
  const given: MtaForwardOutputs<T> | MtaInferenceOutputs<T> = outputs === undefined ? {} : ArrayBuffer.isView(outputs) ? { out: outputs } : outputs;
  const outLength = B * Cout * L * L;
  const probsLength = B * Cin * L * L;
  if (given.out !== undefined) checkOutput('mtaForward', 'out', given.out, scores, outLength, '(B, Cout, L, L)', [scores]);
  const inference = given.probs === null;
  const givenProbs = pre || given.probs === null ? undefined : given.probs;
  if (givenProbs !== undefined) {
    checkOutput('mtaForward', 'probs', givenProbs, scores, probsLength, '(B, Cin, L, L)', given.out ? [scores, given.out] : [scores]);
  }
  const parallel = workspace?.parallelFor(plan) === true;
  const params = packParams(plan, weight, bias, parallel ? workspace : undefined);
  const out = given.out ?? allocateLike(scores, outLength, parallel);
  const probs = pre || inference ? null : (givenProbs ?? allocateLike(scores, probsLength, parallel));
  if (!parallel || workspace === undefined) {
    const f32 = placeF32(plan, workspace, false, { scores, out, probs });
    runJobSync({ kind: 'forward', plan, scores, params, out, probs, f32 } satisfies ForwardJob);
  } else {
    const outTarget = sharedTarget(workspace, 'out', out);
    const probsTarget = probs === null ? null : sharedTarget(workspace, 'probs', probs);
    const staged = sharedInput(workspace, 'scores', scores);
    runOnPool(workspace, {
      kind: 'forward', plan, params, out: outTarget, probs: probsTarget, scores: staged,
      f32: placeF32(plan, workspace, true, { scores: staged, out: outTarget, probs: probsTarget }),
    } satisfies ForwardJob);
    if (outTarget !== out) out.set(outTarget);
    if (probs !== null && probsTarget !== probs && probsTarget !== null) probs.set(probsTarget);
  }
  if (inference && !pre) return { out, saved: null };
  const saved: MtaSaved<T> = { geometry, probs: probs ?? out };
  return { out, saved };
}

/**
 * Gradients of sum(O * gradOut) with respect to the scores, weight and bias. `saved` is what
 * mtaForward returned (its geometry describes this call), or, in post mode, `{ geometry, probs: null }`: nothing
 * saved, each P row is recomputed from `scores` (bit-identical to saving P; costs the softmax again instead of
 * a (B, Cin, L, L) map kept from forward to backward). `scores` are the forward's scores (read in pre mode,
 * and in post mode without a saved map).
 * Weight and bias gradients are accumulated in float64 and returned in the weight's element type.
 */
export function mtaBackward<T extends MtaArray, W extends MtaArray>(
  gradOut: T,
  saved: MtaSaved<T> | MtaRecomputeSaved,
  scores: T,
  weight: W,
  outputs: MtaBackwardOutputs<T, W> = {},
  workspace?: MtaCpuWorkspace,
): MtaBackwardResult<T, W> {
  const { geometry } = saved;
  const { B, Cin, Cout, L, wElems: weightCount, hasBias } = geometry;
  const pre = geometry.mode === 'pre';
  checkLength('mtaBackward', 'gradOut', gradOut, B * Cout * L * L, '(B, Cout, L, L)');
  checkLength('mtaBackward', 'scores', scores, B * Cin * L * L, '(B, Cin, L, L)');
  checkLength('mtaBackward', 'weight', weight, weightCount, '(Cout, Cin/groups, kH, kW)');
  checkGeometryDType('mtaBackward', scores, geometry);
  checkSameType('mtaBackward', 'gradOut', gradOut, scores);
  const savedProbs = saved.probs as T | null;
  if (savedProbs === null) {
    if (pre) {
      throw new MtaArgumentError('mtaBackward', 'saved.probs', "the forward's output O (pre mode saves it)", 'null',
        'pass what mtaForward returned as saved');
    }
  } else {
    checkSameType('mtaBackward', 'saved.probs', savedProbs, scores);
    checkLength('mtaBackward', 'saved.probs', savedProbs, B * (pre ? Cout : Cin) * L * L, pre ? '(B, Cout, L, L)' : '(B, Cin, L, L)');
  }
  const gradScoresLength = B * Cin * L * L;
  if (outputs.gradScores !== undefined) {
    checkOutput('mtaBackward', 'gradScores', outputs.gradScores, scores, gradScoresLength, '(B, Cin, L, L)',
      savedProbs === null ? [gradOut, scores] : [gradOut, savedProbs, scores]);
  }
  if (outputs.gradWeight !== undefined) checkOutput('mtaBackward', 'gradWeight', outputs.gradWeight, weight, weightCount, '(Cout, Cin/groups, kH, kW)', []);
  if (outputs.gradBias !== undefined && hasBias) checkOutput('mtaBackward', 'gradBias', outputs.gradBias, weight, Cout, '(Cout)', []);

  const plan = planCpuWork(geometry);
  const parallel = workspace?.parallelFor(plan) === true;
  const params = packParams(plan, weight, null, parallel ? workspace : undefined);
  const partialLength = plan.items.length * (weightCount + Cout);
  const partials = parallel && workspace ? workspace.buffer('partials', 'float64', partialLength) : new Float64Array(partialLength);
  const gradScores = outputs.gradScores ?? allocateLike(scores, gradScoresLength, parallel);
  if (!parallel || workspace === undefined) {
    const f32 = placeF32(plan, workspace, false, { gradOut, probs: savedProbs, scores, gradScores });
    runJobSync({ kind: 'backward', plan, gradOut, probs: savedProbs, scores, params, gradScores, partials, f32 } satisfies BackwardJob);
  } else {
    const target = sharedTarget(workspace, 'gradScores', gradScores);
    const probs = savedProbs === null ? null : sharedInput(workspace, 'probs', savedProbs);
    const stagedGradOut = sharedInput(workspace, 'gradOut', gradOut);
    // Post mode with a saved P never reads the scores; do not pay for a staging copy.
    const stagedScores = pre || probs === null ? sharedInput(workspace, 'scores', scores) : probs;
    runOnPool(workspace, {
      kind: 'backward', plan, params, partials, gradScores: target, probs, gradOut: stagedGradOut, scores: stagedScores,
      f32: placeF32(plan, workspace, true, { gradOut: stagedGradOut, probs, scores: stagedScores, gradScores: target }),
    } satisfies BackwardJob);
    if (target !== gradScores) gradScores.set(target);
  }
  const gradWeight = outputs.gradWeight ?? allocateLike(weight, weightCount, false);
  const gradBias = hasBias ? (outputs.gradBias ?? allocateLike(weight, Cout, false)) : null;
  sumPartials(plan, partials, gradWeight, gradBias);
  return { gradScores, gradWeight, gradBias };
}

/** Sums the per-item float64 gradient sums in item order (the same order for any thread count). */
function sumPartials(plan: MtaCpuPlan, partials: Float64Array, gradWeight: MtaArray, gradBias: MtaArray | null): void {
  const { wElems: weightCount, Cout } = plan.geometry;
  const stride = weightCount + Cout;
  const itemCount = plan.items.length;
  for (let k = 0; k < weightCount; k++) {
    let sum = 0;
    for (let item = 0; item < itemCount; item++) sum += partials[item * stride + k];
    gradWeight[k] = sum;
  }
  if (gradBias === null) return;
  for (let co = 0; co < Cout; co++) {
    let sum = 0;
    for (let item = 0; item < itemCount; item++) sum += partials[item * stride + weightCount + co];
    gradBias[co] = sum;
  }
}

/** Weights (then bias) as float64, so the inner loops see one array type. */
function packParams(plan: MtaCpuPlan, weight: MtaArray, bias: MtaArray | null, workspace: MtaCpuWorkspace | undefined): Float64Array {
  const { wElems: weightCount, Cout } = plan.geometry;
  const length = weightCount + Cout;
  const params = workspace ? workspace.buffer('params', 'float64', length) : new Float64Array(length);
  params.set(weight);
  if (bias !== null) params.set(bias, weightCount);
  else params.fill(0, weightCount);
  return params;
}

/**
 * Where the float32 loops find this call's maps and scratch (undefined: the job does not run on them). With
 * the cpu arena here (and, for the pool, bound in every worker), scratch is a block of the arena and every
 * map that lives in the arena is read and written in place; other maps are staged row by row.
 */
function placeF32(
  plan: MtaCpuPlan, workspace: MtaCpuWorkspace | undefined, parallel: boolean,
  maps: { readonly [K in 'scores' | 'out' | 'probs' | 'gradOut' | 'gradScores']?: MtaArray | null },
): F32Placement | undefined {
  if (!f32RowKernelsActive(plan)) return undefined;
  const memory = cpuArena.memory;
  const pool = parallel ? (workspace?.pool ?? null) : null;
  if (memory === null || f32RowModule('shared') === null || (pool !== null && pool.arenaMemory !== memory)) return UNPLACED;
  const block = (workspace?.scratchBlocks ?? defaultScratchBlocks).block(f32Layout(plan).bytes, pool?.threads ?? 1);
  if (block === null) return UNPLACED;
  useArenaMemory(memory);
  const at = (array: MtaArray | null | undefined): number => (array != null && cpuArena.owns(array) ? array.byteOffset : -1);
  return { scratch: block, scores: at(maps.scores), out: at(maps.out), probs: at(maps.probs), gradOut: at(maps.gradOut), gradScores: at(maps.gradScores) };
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
    throw new MtaArgumentError(fn, name, 'a Float32Array or Float64Array', describe(array), 'pass the values as a Float32Array or Float64Array');
  }
  if (array.length !== expected) {
    throw new MtaArgumentError(fn, name, `${expected} elements ${layout}`, `${array.length}`, 'check the geometry against the array');
  }
}

/** The scores' element type is the one the geometry was built for (float16/bfloat16 geometries are npu-only). */
function checkGeometryDType(fn: string, scores: MtaArray, geometry: MtaGeometry): void {
  if (dtypeOf(scores) !== geometry.dtype) {
    throw new MtaArgumentError(fn, 'scores', `${geometry.dtype} (geometry.dtype)`, dtypeOf(scores), "build the geometry with the scores' dtype");
  }
}

function checkSameType(fn: string, name: string, array: MtaArray, like: MtaArray): void {
  if (dtypeOf(array) !== dtypeOf(like)) {
    throw new MtaArgumentError(fn, name, `${dtypeOf(like)} like the scores`, dtypeOf(array), 'convert it first');
  }
}

function checkOutput(fn: string, name: string, array: MtaArray, like: MtaArray, expected: number, layout: string, inputs: readonly MtaArray[]): void {
  checkLength(fn, name, array, expected, layout);
  checkSameType(fn, name, array, like);
  for (const input of inputs) {
    if (overlaps(array, input)) {
      throw new MtaArgumentError(fn, name, 'a buffer of its own', 'an array sharing memory with an input or another output', 'pass a separate buffer');
    }
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
