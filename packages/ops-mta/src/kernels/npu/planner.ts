/**
 * The default npu MTA planner: picks every kernel's loop bounds from the real element size and the exact sum
 * of the UB buffers the kernel allocates (float32 compute buffers, 32-byte aligned, double buffers twice), and
 * keeps that sum at or under `margin * UB` — never rounding a tile up past it. The buffers are declared per
 * kernel in ub-buffers.ts; sizing them and finding the widest block that fits is device-npu's generic UB
 * tiling planner (findUbTiling / measureUbTiling). What stays here is MTA's policy: which kernels run, the
 * ring depth, single-block rows before column blocks, rows per unit, balanced blocks.
 *
 * Rules (see README.md for the reasoning):
 * 1. Band kernels (the fused convolution kernels) hold a ring of (kH-1)*dh + 2 input rows per channel (the
 *    rows one output row needs, plus one being fetched). If a whole row (column block = L) fits, the kernel
 *    runs single-block: activations and their backward are computed inline on whole rows. If whole rows fit
 *    only without the prefetch slot, that is preferred to cutting rows into blocks (which costs a second pass).
 * 2. Otherwise rows are cut into column blocks of the largest width that fits (a multiple of 8 elements,
 *    balanced so the tail is not tiny) and the row statistics the activation needs come from a separate
 *    pass: a row-stats kernel (online max/sum for softmax; a tiled threshold search for sparsemax), or, in the
 *    post-mode backward, a first band pass that accumulates per-row partial sums.
 * 3. Rows are split into ranges of `rowsPerUnit` so there are about two units per core, but at least
 *    8 * depth rows so halo rows re-read at range edges cost at most ~1/8 extra.
 * 4. Row kernels take the largest block that fits with a double-buffered input.
 */
import {
  DEFAULT_UB_MARGIN, PlanError, UbTilingOverflowError, findUbTiling, measureUbTiling, sumBufferBytes, ubBudgetBytes, ubLimitsOf,
  type NpuDType, type NpuSpec, type PlannedBuffer, type UbBufferDecl, type UbLimits,
} from '@mta/device-npu';
import type { MtaGeometry } from '../../geometry.js';
import { MtaArgumentError } from '../../errors.js';
import { type NpuMtaConfig, type NpuMtaShape, defaultNpuMtaConfig, npuCallGeometry } from './geometry.js';
import type { BandTiling, NpuKernelPlan, NpuMtaPlan, NpuMtaPlannerName, RowTiling } from './plan-types.js';
import { planLigerPr1122 } from './planner-pr1122.js';
import { type BandPass, bandForwardBuffers, bandTransposeBuffers, gradPartialElems, reduceBuffers, rowKernelBuffers } from './ub-buffers.js';

export interface NpuMtaPlanOptions {
  /** Defaults to Liger's post-softmax with symmetric K//2 padding. */
  readonly config?: NpuMtaConfig;
  readonly planner?: NpuMtaPlannerName;
  /** Fraction of the UB a plan may use (default 0.9). */
  readonly margin?: number;
  /** Whether the call has a bias (default true: plans for the larger case). */
  readonly bias?: boolean;
  /** Cap on the column block (tests use it to force multi-block rows at small L). */
  readonly maxColBlock?: number;
  /** Cap on the row kernels' block. */
  readonly maxRowBlock?: number;
}

/** The default planner keeps the generic planner's safety margin. */
export const DEFAULT_MARGIN = DEFAULT_UB_MARGIN;
/** Rows of statistics a row kernel buffers before writing them out in one transfer. */
export const ROW_CHUNK = 64;
/** Candidate thresholds one sparsemax search pass evaluates (1 Michelot step + 3 bisection points). */
export const SPARSEMAX_CANDIDATES = 4;

/** Round a block below L down to a multiple of 8 (32-byte float32 runs), then balance it over the row. */
export function balancedBlock(maxBlock: number, L: number): number {
  if (maxBlock >= L) return L;
  const w = maxBlock >= 8 ? maxBlock - (maxBlock % 8) : maxBlock;
  const blocks = Math.ceil(L / w);
  const even = Math.ceil(L / blocks);
  const rounded = w >= 8 ? Math.ceil(even / 8) * 8 : even;
  return Math.min(w, rounded);
}

function rowsPerUnitFor(geo: MtaGeometry, cores: number): number {
  const ranges = Math.max(1, Math.ceil((2 * cores) / (geo.B * geo.groups)));
  const r = Math.max(Math.ceil(geo.L / ranges), Math.min(geo.L, 8 * geo.depth));
  return Math.min(r, geo.L);
}

function bandTiling(geo: MtaGeometry, cw: number, rowsPerUnit: number, pass: BandPass, ringSlots: number): BandTiling {
  const rowRanges = Math.ceil(geo.L / rowsPerUnit);
  return { kind: 'band', colBlock: cw, colBlocks: Math.ceil(geo.L / cw), rowsPerUnit, rowRanges, units: geo.B * geo.groups * rowRanges, pass, ringSlots };
}

interface Ctx {
  geo: MtaGeometry;
  dtype: NpuDType;
  bias: boolean;
  spec: NpuSpec;
  limits: UbLimits;
  budget: number;
  maxCol: number;
  maxRow: number;
}

function kernelPlan(
  ctx: Ctx, name: string, direction: 'forward' | 'backward', description: string, cores: number,
  tiling: NpuKernelPlan['tiling'], buffers: readonly PlannedBuffer[], notes: string[] = [],
): NpuKernelPlan {
  const ubBytes = sumBufferBytes(buffers);
  // A band kernel's extra ring slot is its second buffer: the next row's DMA lands there during compute.
  const doubleBuffered = tiling.kind === 'band' ? tiling.ringSlots > ctx.geo.depth : buffers.some((b) => b.copies === 2);
  return {
    name, direction, description, cores, tiling, buffers, ubBytes,
    budgetBytes: ctx.budget, capacityBytes: ctx.spec.ubBytes, fits: ubBytes <= ctx.budget, doubleBuffered, notes,
  };
}

type BandLayout = (cw: number, pass: BandPass, r: number, slots: number) => UbBufferDecl[];

interface BandChoice {
  pass: BandPass;
  tiling: BandTiling;
  buffers: readonly PlannedBuffer[];
  notes: string[];
}

/**
 * Single-block band if whole rows fit (first with a prefetch slot in the ring, then without one), else the
 * widest column block that fits (with the per-row statistics buffers capped).
 */
function planBand(ctx: Ctx, kernel: string, layout: BandLayout, multiPass: BandPass, rDependentPerRow: number): BandChoice {
  const { geo, budget, limits } = ctx;
  let r = rowsPerUnitFor(geo, ctx.spec.vectorCores);
  const notes: string[] = [];
  const withPrefetch = geo.depth + 1;
  if (geo.L <= ctx.maxCol) {
    for (const slots of [withPrefetch, geo.depth]) {
      const whole = measureUbTiling(kernel, (cw) => layout(cw, 'single', r, slots), geo.L, limits);
      if (whole.fits) {
        if (slots === geo.depth) notes.push('ring without a prefetch slot so that whole rows fit (row DMA does not overlap compute)');
        return { pass: 'single', tiling: bandTiling(geo, geo.L, r, 'single', slots), buffers: whole.buffers, notes };
      }
    }
  }
  // Per-row statistics buffers grow with rows per unit: keep them within a quarter of the budget.
  if (rDependentPerRow > 0) {
    const rMax = Math.floor(budget / 4 / rDependentPerRow) - (geo.depth - 1);
    if (rMax < r) {
      r = Math.max(1, rMax);
      notes.push(`rows per unit capped at ${r} so per-row statistics stay within a quarter of the budget`);
    }
  }
  for (const slots of [withPrefetch, geo.depth]) {
    const buffers = (cw: number): UbBufferDecl[] => layout(cw, multiPass, r, slots);
    const widest = findUbTiling({ kernel, buffers, maxBlock: Math.min(geo.L, ctx.maxCol) }, limits);
    if (widest) {
      if (slots === geo.depth) notes.push('ring without a prefetch slot (nothing fits with one)');
      const cw = balancedBlock(widest.block, geo.L);
      return { pass: multiPass, tiling: bandTiling(geo, cw, r, multiPass, slots), buffers: measureUbTiling(kernel, buffers, cw, limits).buffers, notes };
    }
  }
  const narrowest = measureUbTiling(kernel, (cw) => layout(cw, multiPass, r, geo.depth), 1, limits);
  return {
    pass: multiPass,
    tiling: bandTiling(geo, 1, r, multiPass, geo.depth),
    buffers: narrowest.buffers,
    notes: [...notes, `even a 1-column block needs ${narrowest.ubBytes} B > budget ${budget} B (weights and per-channel rows); use a larger UB or fewer channels per group`],
  };
}

function planRowKernel(ctx: Ctx, name: string, direction: 'forward' | 'backward', description: string, inputs: 1 | 2, outDtype: NpuDType | null, rows: number): NpuKernelPlan {
  const { geo } = ctx;
  const inputDtype = outDtype === null ? ctx.dtype : 'float32';
  const chunk = Math.min(ROW_CHUNK, rows);
  const buffers = (rb: number): UbBufferDecl[] => rowKernelBuffers(inputs, inputDtype, outDtype, rb, chunk);
  const widest = findUbTiling({ kernel: name, buffers, maxBlock: Math.min(geo.L, ctx.maxRow) }, ctx.limits);
  // Nothing fits: plan one column so the report shows the overflow.
  const rb = widest === null ? 1 : balancedBlock(widest.block, geo.L);
  const chunks = Math.ceil(rows / chunk);
  const tiling: RowTiling = { kind: 'row', rowBlock: rb, rowChunk: chunk, rows, chunks, writesRows: outDtype !== null };
  const notes = rb < geo.L ? [`rows longer than ${rb} are processed in ${Math.ceil(geo.L / rb)} blocks per pass`] : [];
  return kernelPlan(ctx, name, direction, description, Math.min(ctx.spec.vectorCores, chunks), tiling,
    measureUbTiling(name, buffers, rb, ctx.limits, widest?.bufferNum ?? 1).buffers, notes);
}

function planReduce(ctx: Ctx, partials: number): NpuKernelPlan {
  const name = 'mta.bwd.wgrad-reduce';
  const elems = gradPartialElems(ctx.geo, ctx.bias);
  const buffers = (chunk: number): UbBufferDecl[] => reduceBuffers(ctx.dtype, chunk);
  const widest = findUbTiling({ kernel: name, buffers, maxBlock: elems }, ctx.limits);
  // Whole 32-byte blocks per chunk, so the bias part of a partial row starts on a block in every chunk.
  const chunk = widest === null ? 1 : widest.block >= elems ? elems : Math.max(8, widest.block - (widest.block % 8));
  const chunks = Math.ceil(elems / chunk);
  return kernelPlan(ctx, name, 'backward', 'sum the per-core weight/bias gradient partials (Kahan)',
    Math.min(ctx.spec.vectorCores, chunks), { kind: 'reduce', chunk, chunks, elems, partials }, measureUbTiling(name, buffers, chunk, ctx.limits).buffers);
}

function planDefault(ctx: Ctx): { forward: NpuKernelPlan[]; backward: NpuKernelPlan[] } {
  const { geo, dtype, bias, spec } = ctx;
  const act = geo.sparse ? 'sparsemax' : 'softmax';
  const forward: NpuKernelPlan[] = [];
  const backward: NpuKernelPlan[] = [];
  const rows = geo.B * geo.Cin * geo.L;
  const outRows = geo.B * geo.Cout * geo.L;

  // ---- forward
  const fwd = planBand(ctx, `mta.${geo.mode}.fwd.band`, (cw, pass, r, slots) => bandForwardBuffers(geo, dtype, bias, cw, pass, r, slots), 'multi', geo.mode === 'post' ? geo.cig * 8 : 0);
  const fwdCores = Math.min(spec.vectorCores, fwd.tiling.units);
  if (geo.mode === 'post') {
    if (fwd.pass === 'multi') {
      forward.push(planRowKernel(ctx, 'mta.post.fwd.rowstats', 'forward', `per-row ${act} statistics of the masked scores, ${geo.sparse ? 'threshold search' : 'online max and sum'} over column blocks`, 1, null, rows));
    }
    forward.push(kernelPlan(ctx, 'mta.post.fwd.band', 'forward',
      `mask + ${act} (${fwd.pass === 'single' ? 'inline on whole rows' : 'from row statistics'}) into a ring of probability rows, convolution, masked write of O; P saved`,
      fwdCores, fwd.tiling, fwd.buffers, fwd.notes));
  } else {
    forward.push(kernelPlan(ctx, 'mta.pre.fwd.band', 'forward',
      fwd.pass === 'single'
        ? `ring of masked score rows, convolution, mask + ${act} inline on whole rows, write O`
        : 'ring of masked score rows, convolution, write the causal part of C to a float32 scratch',
      fwdCores, fwd.tiling, fwd.buffers, fwd.notes));
    if (fwd.pass === 'multi') {
      forward.push(planRowKernel(ctx, 'mta.pre.fwd.rowact', 'forward', `mask + ${act} of C rows over column blocks, write O`, 1, dtype, outRows));
    }
  }

  // ---- backward
  if (geo.mode === 'post') {
    const stats = planBand(ctx, 'mta.post.bwd.band', (cw, pass, r, slots) => bandTransposeBuffers(geo, dtype, bias, cw, pass, r, slots), 'stats', geo.cig * 8);
    if (stats.pass === 'single') {
      backward.push(kernelPlan(ctx, 'mta.post.bwd.band', 'backward',
        `ring of masked dO rows, transposed convolution to dP, ${act} backward inline on whole rows, masked write of dS; weight/bias gradient partials`,
        Math.min(spec.vectorCores, stats.tiling.units), stats.tiling, stats.buffers, stats.notes));
    } else {
      // Both passes use the same column blocks; the apply pass needs no gradient accumulators, so it fits whenever stats does.
      const t = stats.tiling;
      const applyTiling: BandTiling = { ...t, pass: 'apply' };
      const cores = Math.min(spec.vectorCores, t.units);
      backward.push(kernelPlan(ctx, 'mta.post.bwd.band.stats', 'backward',
        `pass 1: transposed convolution to dP per column block, per-row ${geo.sparse ? 'support sums and counts' : 'dot(dP, P)'}; weight/bias gradient partials`,
        cores, t, stats.buffers, stats.notes));
      backward.push(kernelPlan(ctx, 'mta.post.bwd.band.apply', 'backward',
        `pass 2: recompute dP per column block, ${act} backward from the row sums, masked write of dS`,
        cores, applyTiling, measureUbTiling('mta.post.bwd.band.apply', (cw) => bandTransposeBuffers(geo, dtype, bias, cw, 'apply', t.rowsPerUnit, t.ringSlots), t.colBlock, ctx.limits).buffers));
    }
    backward.push(planReduce(ctx, Math.min(spec.vectorCores, stats.tiling.units)));
  } else {
    const band = planBand(ctx, 'mta.pre.bwd.band', (cw, pass, r, slots) => bandTransposeBuffers(geo, dtype, bias, cw, pass, r, slots), 'multi', geo.cog * 8);
    if (band.pass === 'multi') {
      backward.push(planRowKernel(ctx, 'mta.pre.bwd.rowstats', 'backward', `per-row ${geo.sparse ? 'support mean of dO' : 'dot(dO, O)'} over column blocks`, 2, null, outRows));
    }
    backward.push(kernelPlan(ctx, 'mta.pre.bwd.band', 'backward',
      `ring of dC rows (${act} backward ${band.pass === 'single' ? 'inline' : 'from row statistics'}), transposed convolution, masked write of dS; weight/bias gradient partials`,
      Math.min(spec.vectorCores, band.tiling.units), band.tiling, band.buffers, band.notes));
    backward.push(planReduce(ctx, Math.min(spec.vectorCores, band.tiling.units)));
  }
  return { forward, backward };
}

/**
 * Plan every kernel of one MTA call (forward and backward) for a device.
 * `dtype` is the GM element type of scores and outputs; compute buffers are float32 whatever it is.
 */
/**
 * The longest sequence the planner accepts: 2^24 = 16,777,216. Up to it, every count a plan reports (L * L
 * elements per map, times batch and channels in any realistic shape) is an exact float64 integer; past it a
 * plan's numbers would be rounded, and no UB tiling of such a length is worth reporting.
 */
export const MAX_NPU_PLAN_L = 2 ** 24;

export function planNpuMta(shape: NpuMtaShape, dtype: NpuDType, spec: NpuSpec, options: NpuMtaPlanOptions = {}): NpuMtaPlan {
  if (shape.L > MAX_NPU_PLAN_L) {
    throw new MtaArgumentError('planNpuMta', 'shape.L', `a sequence length of at most MAX_NPU_PLAN_L = ${MAX_NPU_PLAN_L.toLocaleString('en-US')}`,
      String(shape.L), 'plan a shorter sequence (the counts of a longer one are not exact in float64)');
  }
  const config = options.config ?? defaultNpuMtaConfig(shape);
  const geo = npuCallGeometry(shape, config, options.bias ?? true);
  const margin = options.margin ?? DEFAULT_MARGIN;
  if (!(margin > 0 && margin <= 1)) throw new Error(`planNpuMta: margin must be in (0, 1], got ${margin}`);
  const bias = options.bias ?? true;
  const planner = options.planner ?? 'default';
  if (planner === 'liger-pr1122') return planLigerPr1122(shape, config, dtype, spec, bias);
  if (planner !== 'default') throw new Error(`planNpuMta: unknown planner '${String(planner)}'; use 'default' or 'liger-pr1122'`);
  const maxCol = options.maxColBlock ?? Infinity;
  const maxRow = options.maxRowBlock ?? Infinity;
  if (!(maxCol >= 1) || !(maxRow >= 1)) throw new Error('planNpuMta: maxColBlock / maxRowBlock must be >= 1');
  const limits = ubLimitsOf(spec, margin);
  const budget = ubBudgetBytes(limits);
  const ctx: Ctx = { geo, dtype, bias, spec, limits, budget, maxCol, maxRow };
  const { forward, backward } = planDefault(ctx);
  const all = [...forward, ...backward];
  return {
    planner, shape, config, dtype, bias, ubBytes: spec.ubBytes, margin, budgetBytes: budget, vectorCores: spec.vectorCores,
    forward, backward, fits: all.every((k) => k.fits),
    notes: [`compute buffers are float32 in the UB; GM holds ${dtype}`],
  };
}

/**
 * Refuse a plan that does not fit, at plan time, before any kernel runs: a UbTilingOverflowError (a PlanError)
 * for the first kernel over its budget, in the toolchain's words (`ub overflow, requires N bits while M bits
 * available!`) with the kernel's buffers and their bytes; the other kernels that do not fit are named after it.
 */
export function assertPlanFits(plan: NpuMtaPlan): void {
  const bad = [...plan.forward, ...plan.backward].filter((k) => !k.fits);
  const first = bad[0];
  if (!first) return;
  const block = first.tiling.kind === 'band' ? first.tiling.colBlock : first.tiling.kind === 'row' ? first.tiling.rowBlock
    : first.tiling.kind === 'reduce' ? first.tiling.chunk : 0;
  const err = new UbTilingOverflowError(first.name, block, first.buffers, first.ubBytes ?? 0, first.budgetBytes, first.capacityBytes);
  const others = bad.slice(1).map((k) => `  also ${k.name}: ${k.ubBytes ?? '?'} B > budget ${k.budgetBytes} B`);
  const notes = first.notes.length ? [`  planner notes: ${first.notes.join('; ')}`] : [];
  err.message = [`MTA plan (${plan.planner}): ${err.message}`, ...notes, ...others].join('\n');
  throw err;
}

/** The kernel plan with this name, or a clear error. */
export function kernelByName(plan: NpuMtaPlan, name: string): NpuKernelPlan {
  const k = [...plan.forward, ...plan.backward].find((x) => x.name === name);
  if (!k) throw new PlanError(`plan has no kernel '${name}'; it has ${[...plan.forward, ...plan.backward].map((x) => x.name).join(', ')}`);
  return k;
}
