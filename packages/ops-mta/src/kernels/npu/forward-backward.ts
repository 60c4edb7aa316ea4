/**
 * Multi-token attention on the simulated NPU: plan, then launch the planned kernels.
 *
 *   const { out, saved } = npuMtaForward(sim, scores, weight, bias, shape, config);
 *   const { gradScores, gradWeight, gradBias } = npuMtaBackward(sim, gradOut, saved);
 *
 * GM buffers may be float32, float16 or bfloat16 (scores, outputs and gradients share the scores dtype;
 * weight and bias are that dtype or float32). All arithmetic runs in float32 in the UB.
 */
import { PlanError, type GmBuffer, type NpuDType, type NpuSimulator } from '@mta/device-npu';
import type { NpuKernelPlan, NpuMtaPlan } from './plan-types.js';
import { type NpuMtaPlanOptions, assertPlanFits, planNpuMta } from './planner.js';
import { runBandForward } from './band-forward.js';
import { runBandTranspose } from './band-transpose.js';
import type { MtaGeometry } from '../../geometry.js';
import { type NpuMtaConfig, type NpuMtaShape, npuCallGeometry } from './geometry.js';
import { runRowKernel } from './row-kernels.js';
import { runWgradReduce } from './wgrad-reduce.js';
import { gradPartialElems, gradPartialPitch } from './ub-buffers.js';

export interface NpuMtaOptions {
  /** A plan from `planNpuMta` for this exact call; planned with `planOptions` when absent. */
  readonly plan?: NpuMtaPlan;
  readonly planOptions?: Omit<NpuMtaPlanOptions, 'config' | 'bias' | 'planner'>;
  /**
   * GM buffers to write the output O and (post mode) the probabilities P into, e.g. host arrays adopted with
   * `sim.adopt(..., 'write')` so the results need no download; allocated when absent. The result owns
   * neither: the caller frees them.
   */
  readonly outputs?: { readonly out?: GmBuffer; readonly probs?: GmBuffer };
}

/** GM buffers for the backward's gradients (e.g. adopted host arrays); allocated when absent. */
export interface NpuMtaGradOutputs {
  readonly gradScores?: GmBuffer;
  readonly gradWeight?: GmBuffer;
  readonly gradBias?: GmBuffer;
}

/** What the backward needs from the forward. Holds GM buffers: free them with `npuMtaFreeSaved`. */
export interface NpuMtaSaved {
  readonly shape: NpuMtaShape;
  readonly config: NpuMtaConfig;
  readonly plan: NpuMtaPlan;
  /** post: the probabilities P (owned by `saved`); pre: the output O (the caller's `out`). */
  readonly probs: GmBuffer;
  /** pre: the scores (for the weight gradient); post: null. */
  readonly scores: GmBuffer | null;
  readonly weight: GmBuffer;
  readonly hasBias: boolean;
}

export interface NpuMtaForwardResult {
  readonly out: GmBuffer;
  readonly saved: NpuMtaSaved;
}

export interface NpuMtaBackwardResult {
  readonly gradScores: GmBuffer;
  readonly gradWeight: GmBuffer;
  readonly gradBias: GmBuffer | null;
}

function checkBuffer(gm: GmBuffer, what: string, shape: readonly number[], dtypes: readonly NpuDType[]): void {
  const same = gm.shape.length === shape.length && gm.shape.every((d, i) => d === shape[i]);
  if (!same) throw new Error(`${what}: expected shape [${shape.join(', ')}], got [${gm.shape.join(', ')}]`);
  if (!dtypes.includes(gm.dtype)) throw new Error(`${what}: expected dtype ${dtypes.join(' or ')}, got ${gm.dtype}`);
}

/** Elements of the causal (lower) triangle of `maps` L x L maps, diagonal included. */
function triangle(maps: number, L: number): number {
  return (maps * L * (L + 1)) / 2;
}

function kernelsOf(list: readonly NpuKernelPlan[]): Map<string, NpuKernelPlan> {
  return new Map(list.map((k) => [k.name, k]));
}

function getKernel(m: Map<string, NpuKernelPlan>, name: string): NpuKernelPlan {
  const k = m.get(name);
  if (!k) throw new PlanError(`plan has no kernel '${name}' (has ${[...m.keys()].join(', ')}); was it made for this mode and activation?`);
  return k;
}

function resolvePlan(sim: NpuSimulator, shape: NpuMtaShape, config: NpuMtaConfig, dtype: NpuDType, hasBias: boolean, options: NpuMtaOptions): NpuMtaPlan {
  const plan = options.plan ?? planNpuMta(shape, dtype, sim.spec, { ...options.planOptions, config, bias: hasBias });
  if (plan.planner !== 'default') throw new PlanError(`npu MTA kernels run the default planner's plans; got '${plan.planner}' (run the PR preset with runLigerPr1122SoftmaxForward)`);
  const same = (a: object, b: object): boolean => JSON.stringify(a) === JSON.stringify(b);
  const planShape = { ...plan.shape };
  const callShape = { B: shape.B, Cin: shape.Cin, Cout: shape.Cout, L: shape.L, kH: shape.kH, kW: shape.kW };
  const canon = (c: NpuMtaConfig) => ({ mode: c.mode, sparse: c.sparse, pads: [...c.pads], dilation: [...c.dilation], groups: c.groups });
  const planKey = { dtype: plan.dtype, ub: plan.ubBytes, cores: plan.vectorCores, bias: plan.bias, shape: { B: planShape.B, Cin: planShape.Cin, Cout: planShape.Cout, L: planShape.L, kH: planShape.kH, kW: planShape.kW }, config: canon(plan.config) };
  const callKey = { dtype, ub: sim.spec.ubBytes, cores: sim.spec.vectorCores, bias: hasBias, shape: callShape, config: canon(config) };
  if (!same(planKey, callKey)) {
    throw new PlanError(`options.plan was made for ${JSON.stringify(planKey)}; this call is ${JSON.stringify(callKey)}. Plan with planNpuMta for this call.`);
  }
  assertPlanFits(plan);
  return plan;
}

export function npuMtaForward(
  sim: NpuSimulator, scores: GmBuffer, weight: GmBuffer, bias: GmBuffer | null,
  shape: NpuMtaShape, config: NpuMtaConfig, options: NpuMtaOptions = {},
): NpuMtaForwardResult {
  const geo = npuCallGeometry(shape, config, bias !== null);
  const { B, Cin, Cout, L } = geo;
  const dtype = scores.dtype;
  checkBuffer(scores, 'scores', [B, Cin, L, L], [dtype]);
  checkBuffer(weight, 'weight', [Cout, geo.cig, geo.kH, geo.kW], [dtype, 'float32']);
  if (bias) checkBuffer(bias, 'bias', [Cout], [dtype, 'float32']);
  const plan = resolvePlan(sim, shape, config, dtype, bias !== null, options);
  const ks = kernelsOf(plan.forward);
  const e = scores.elemBytes;
  const wBytes = weight.byteLength + (bias?.byteLength ?? 0);
  const sTri = triangle(B * Cin, L) * e;
  const outFull = B * Cout * L * L * e;
  const post = geo.mode === 'post';
  const minRead = sTri + wBytes;
  const minWrite = outFull + (post ? B * Cin * L * L * e : 0);

  const given = options.outputs ?? {};
  if (given.out) checkBuffer(given.out, 'outputs.out', [B, Cout, L, L], [dtype]);
  if (given.probs) {
    if (!post) throw new Error('outputs.probs: pre mode has no probability map (its saved map is the output)');
    checkBuffer(given.probs, 'outputs.probs', [B, Cin, L, L], [dtype]);
  }
  return sim.group('mta.forward', { readBytes: minRead, writeBytes: minWrite }, () => {
    const out = given.out ?? sim.alloc('mta.out', dtype, [B, Cout, L, L]);
    if (post) {
      const probs = given.probs ?? sim.alloc('mta.probs', dtype, [B, Cin, L, L]);
      const band = getKernel(ks, 'mta.post.fwd.band');
      let stats: GmBuffer | null = null;
      if (band.tiling.kind === 'band' && band.tiling.pass === 'multi') {
        stats = sim.alloc('mta.fwd.rowstats', 'float32', [B * Cin * L, 2]);
        runRowKernel(sim, {
          kplan: getKernel(ks, 'mta.post.fwd.rowstats'), kind: geo.sparse ? 'sparsemax-fwd' : 'softmax-fwd', L,
          x: scores, y: null, stats, out: null, minReadBytes: sTri, minWriteBytes: B * Cin * L * 8,
        });
      }
      try {
        runBandForward(sim, {
          geo, kplan: band, scores, weight, bias, probs, out, cScratch: null, stats,
          minReadBytes: sTri + wBytes + (stats ? B * Cin * L * 8 : 0), minWriteBytes: minWrite,
        });
      } finally {
        if (stats) sim.free(stats);
      }
      return { out, saved: { shape, config, plan, probs, scores: null, weight, hasBias: bias !== null } };
    }
    const band = getKernel(ks, 'mta.pre.fwd.band');
    const multi = band.tiling.kind === 'band' && band.tiling.pass === 'multi';
    if (!multi) {
      runBandForward(sim, { geo, kplan: band, scores, weight, bias, probs: null, out, cScratch: null, stats: null, minReadBytes: minRead, minWriteBytes: minWrite });
    } else {
      const cScratch = sim.alloc('mta.fwd.C', 'float32', [B, Cout, L, L]);
      try {
        const cTri = triangle(B * Cout, L) * 4;
        runBandForward(sim, { geo, kplan: band, scores, weight, bias, probs: null, out: null, cScratch, stats: null, minReadBytes: minRead, minWriteBytes: cTri });
        runRowKernel(sim, {
          kplan: getKernel(ks, 'mta.pre.fwd.rowact'), kind: geo.sparse ? 'sparsemax-fwd' : 'softmax-fwd', L,
          x: cScratch, y: null, stats: null, out, minReadBytes: cTri, minWriteBytes: outFull,
        });
      } finally {
        sim.free(cScratch);
      }
    }
    return { out, saved: { shape, config, plan, probs: out, scores, weight, hasBias: bias !== null } };
  });
}

export function npuMtaBackward(sim: NpuSimulator, gradOut: GmBuffer, saved: NpuMtaSaved, outputs: NpuMtaGradOutputs = {}): NpuMtaBackwardResult {
  const geo: MtaGeometry = npuCallGeometry(saved.shape, saved.config, saved.hasBias);
  const { B, Cin, Cout, L, wElems } = geo;
  const dtype = saved.probs.dtype;
  checkBuffer(gradOut, 'gradOut', [B, Cout, L, L], [dtype]);
  const plan = saved.plan;
  const ks = kernelsOf(plan.backward);
  const e = gradOut.elemBytes;
  const post = geo.mode === 'post';
  const hasBias = saved.hasBias;
  const nW = gradPartialElems(geo, hasBias);
  const wBytes = saved.weight.byteLength;
  const gTri = triangle(B * Cout, L) * e;
  const pTri = triangle(B * (post ? Cin : Cout), L) * e;
  const sTri = post ? 0 : triangle(B * Cin, L) * e;
  const dsFull = B * Cin * L * L * e;
  const gradBytes = saved.weight.byteLength + (hasBias ? Cout * saved.weight.elemBytes : 0);
  const minRead = gTri + pTri + sTri + wBytes;
  const minWrite = dsFull + gradBytes;

  if (outputs.gradScores) checkBuffer(outputs.gradScores, 'outputs.gradScores', [B, Cin, L, L], [dtype]);
  if (outputs.gradWeight) checkBuffer(outputs.gradWeight, 'outputs.gradWeight', saved.weight.shape, [saved.weight.dtype]);
  if (outputs.gradBias) {
    if (!hasBias) throw new Error('outputs.gradBias: the call has no bias');
    checkBuffer(outputs.gradBias, 'outputs.gradBias', [Cout], [saved.weight.dtype]);
  }
  return sim.group('mta.backward', { readBytes: minRead, writeBytes: minWrite }, () => {
    const gradScores = outputs.gradScores ?? sim.alloc('mta.grad_scores', dtype, [B, Cin, L, L]);
    const gradWeight = outputs.gradWeight ?? sim.alloc('mta.grad_weight', saved.weight.dtype, [...saved.weight.shape]);
    const gradBias = hasBias ? outputs.gradBias ?? sim.alloc('mta.grad_bias', saved.weight.dtype, [Cout]) : null;
    const reduce = getKernel(ks, 'mta.bwd.wgrad-reduce');
    const partialRows = reduce.tiling.kind === 'reduce' ? reduce.tiling.partials : 0;
    const partials = sim.alloc('mta.bwd.wgrad-partials', 'float32', [partialRows, gradPartialPitch(geo, hasBias)]);
    const scratch: GmBuffer[] = [partials];
    try {
      if (post) {
        const single = ks.get('mta.post.bwd.band');
        if (single) {
          runBandTranspose(sim, {
            geo, kplan: single, gradOut, probs: saved.probs, scores: null, weight: saved.weight, hasBias,
            gradScores, stats: null, partials, minReadBytes: gTri + pTri + wBytes, minWriteBytes: dsFull + partialRows * nW * 4,
          });
        } else {
          const stats = sim.alloc('mta.bwd.rowstats', 'float32', [B * Cin * L, 2]);
          scratch.push(stats);
          runBandTranspose(sim, {
            geo, kplan: getKernel(ks, 'mta.post.bwd.band.stats'), gradOut, probs: saved.probs, scores: null, weight: saved.weight, hasBias,
            gradScores: null, stats, partials, minReadBytes: gTri + pTri + wBytes, minWriteBytes: B * Cin * L * 8 + partialRows * nW * 4,
          });
          runBandTranspose(sim, {
            geo, kplan: getKernel(ks, 'mta.post.bwd.band.apply'), gradOut, probs: saved.probs, scores: null, weight: saved.weight, hasBias,
            gradScores, stats, partials: null, minReadBytes: gTri + pTri + wBytes + B * Cin * L * 8, minWriteBytes: dsFull,
          });
        }
      } else {
        const band = getKernel(ks, 'mta.pre.bwd.band');
        let stats: GmBuffer | null = null;
        if (band.tiling.kind === 'band' && band.tiling.pass === 'multi') {
          stats = sim.alloc('mta.bwd.dc-rowstats', 'float32', [B * Cout * L, 2]);
          scratch.push(stats);
          runRowKernel(sim, {
            kplan: getKernel(ks, 'mta.pre.bwd.rowstats'), kind: geo.sparse ? 'sparsemax-bwd' : 'softmax-bwd', L,
            x: gradOut, y: saved.probs, stats, out: null, minReadBytes: gTri + pTri, minWriteBytes: B * Cout * L * 8,
          });
        }
        runBandTranspose(sim, {
          geo, kplan: band, gradOut, probs: saved.probs, scores: saved.scores, weight: saved.weight, hasBias,
          gradScores, stats, partials, minReadBytes: gTri + pTri + sTri + wBytes + (stats ? B * Cout * L * 8 : 0),
          minWriteBytes: dsFull + partialRows * nW * 4,
        });
      }
      runWgradReduce(sim, { kplan: reduce, partials, partialRows, wElems, gradWeight, gradBias });
    } finally {
      for (const s of scratch) sim.free(s);
    }
    return { gradScores, gradWeight, gradBias };
  });
}

/** Release the GM buffers `saved` owns (post mode: P). */
export function npuMtaFreeSaved(sim: NpuSimulator, saved: NpuMtaSaved): void {
  if (saved.config.mode === 'post') sim.free(saved.probs);
}
