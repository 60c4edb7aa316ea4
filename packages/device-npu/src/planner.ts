/**
 * The default MTA planner: picks every kernel's loop bounds from the real element size and the exact sum of
 * the UB buffers the kernel allocates (float32 compute buffers, 32-byte aligned, double buffers twice), and
 * keeps that sum at or under `margin * UB` — never rounding a tile up past it.
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
import { type NpuDType, dtypeBytes } from './dtype.js';
import { PlanError } from './errors.js';
import { type MtaGeometry, type NpuMtaConfig, type NpuMtaShape, defaultNpuMtaConfig, mtaGeometry } from './kernels/geometry.js';
import type { BandTiling, KernelPlan, MtaPlan, PlannedBuffer, PlannerName, RowTiling } from './plan-types.js';
import type { NpuSpec } from './spec.js';
import { planLigerPr1122 } from './planner-pr1122.js';

export interface PlanOptions {
  /** Defaults to Liger's post-softmax with symmetric K//2 padding. */
  readonly config?: NpuMtaConfig;
  readonly planner?: PlannerName;
  /** Fraction of the UB a plan may use (default 0.9). */
  readonly margin?: number;
  /** Whether the call has a bias (default true: plans for the larger case). */
  readonly bias?: boolean;
  /** Cap on the column block (tests use it to force multi-block rows at small L). */
  readonly maxColBlock?: number;
  /** Cap on the row kernels' block. */
  readonly maxRowBlock?: number;
}

export const DEFAULT_MARGIN = 0.9;
/** Rows of statistics a row kernel buffers before writing them out in one transfer. */
export const ROW_CHUNK = 64;
/** Candidate thresholds one sparsemax search pass evaluates (1 Michelot step + 3 bisection points). */
export const SPARSEMAX_CANDIDATES = 4;

export function alignedBytes(elems: number, dtype: NpuDType, copies: number, alignment: number): number {
  return Math.ceil((elems * dtypeBytes(dtype)) / alignment) * alignment * copies;
}

function buffer(name: string, elems: number, dtype: NpuDType, copies: 1 | 2, alignment: number, purpose: string): PlannedBuffer {
  return { name, elems, dtype, copies, bytes: alignedBytes(elems, dtype, copies, alignment), purpose };
}

export function sumBytes(buffers: readonly PlannedBuffer[]): number {
  return buffers.reduce((s, b) => s + b.bytes, 0);
}

type BandPass = BandTiling['pass'];

/** Buffers of the forward band kernel (ring of P or S0 rows -> convolution -> output rows). */
export function bandForwardBuffers(geo: MtaGeometry, dtype: NpuDType, bias: boolean, cw: number, pass: BandPass, rowsPerUnit: number, slots: number, alignment: number): PlannedBuffer[] {
  const f = 'float32';
  const bufs = [
    buffer('weight', geo.wElems, f, 1, alignment, 'all weights, float32'),
    ...(bias ? [buffer('bias', geo.Cout, f, 1, alignment, 'bias, float32')] : []),
    buffer('ring', slots * geo.cig * (cw + geo.ext), f, 1, alignment,
      `${slots} row slots x ${geo.cig} channels x ${cw + geo.ext} columns of ${geo.mode === 'post' ? 'probabilities' : 'masked scores'}`),
    buffer('acc', geo.cog * cw, f, 1, alignment, `${geo.cog} output channels x ${cw} columns`),
  ];
  if (pass === 'multi' && geo.mode === 'post') {
    bufs.push(buffer('rowstats', (rowsPerUnit + geo.depth - 1) * geo.cig * 2, f, 1, alignment, 'softmax max and 1/sum (or sparsemax tau) of the unit\'s rows'));
  }
  if (dtype !== 'float32') bufs.push(buffer('stage', cw + geo.ext, dtype, 1, alignment, `${dtype} staging for casts`));
  return bufs;
}

/** Buffers of the transposed band kernel (ring of output-gradient rows -> input-gradient rows, weight gradient). */
export function bandTransposeBuffers(geo: MtaGeometry, dtype: NpuDType, bias: boolean, cw: number, pass: BandPass, rowsPerUnit: number, slots: number, alignment: number): PlannedBuffer[] {
  const f = 'float32';
  const post = geo.mode === 'post';
  const bufs = [
    buffer('weight', geo.wElems, f, 1, alignment, 'all weights, float32'),
    buffer('ring', slots * geo.cog * (cw + geo.ext), f, 1, alignment,
      `${slots} row slots x ${geo.cog} channels x ${cw + geo.ext} columns of ${post ? 'masked output gradient' : 'dC (activation backward)'}`),
    buffer('dx', geo.cig * cw, f, 1, alignment, `${geo.cig} channels x ${cw} columns of ${post ? 'dP / dS' : 'dS'}`),
    buffer('operand', geo.cig * cw, f, 1, alignment, post ? 'probability row P' : 'masked score row S0 (for the weight gradient)'),
  ];
  if (!post) bufs.push(buffer('otmp', cw + geo.ext, f, 1, alignment, 'output row O while forming dC'));
  if (pass !== 'apply') {
    const n = geo.wElems + (bias ? geo.Cout : 0);
    bufs.push(buffer('dwsum', n, f, 1, alignment, 'weight/bias gradient partial (Kahan sum)'));
    bufs.push(buffer('dwcomp', n, f, 1, alignment, 'weight/bias gradient partial (Kahan compensation)'));
  }
  if (post && (pass === 'stats' || pass === 'apply')) {
    bufs.push(buffer('rowstats', rowsPerUnit * geo.cig * 2, f, 1, alignment, pass === 'stats' ? 'per-row partial sums across column blocks' : 'per-row sums for the apply pass'));
  }
  if (!post && pass === 'multi') {
    bufs.push(buffer('rowstats', (rowsPerUnit + geo.depth - 1) * geo.cog * 2, f, 1, alignment, 'dot (softmax) or support mean (sparsemax) of the dC rows'));
  }
  if (dtype !== 'float32') bufs.push(buffer('stage', cw + geo.ext, dtype, 1, alignment, `${dtype} staging for casts`));
  return bufs;
}

/** Buffers of a row kernel: blocks of one or two inputs (double-buffered) and the statistics chunk. */
export function rowKernelBuffers(inputs: 1 | 2, inputDtype: NpuDType, outDtype: NpuDType | null, rb: number, rowChunk: number, alignment: number): PlannedBuffer[] {
  const bufs = [buffer('block', rb, 'float32', 2, alignment, 'row block (double-buffered)')];
  if (inputs === 2) bufs.push(buffer('block2', rb, 'float32', 2, alignment, 'second input row block (double-buffered)'));
  if (outDtype === null) bufs.push(buffer('stats', rowChunk * 2, 'float32', 1, alignment, `statistics of ${rowChunk} rows`));
  const half = inputDtype !== 'float32' ? inputDtype : outDtype !== null && outDtype !== 'float32' ? outDtype : null;
  if (half) bufs.push(buffer('stage', rb, half, 1, alignment, `${half} staging for casts`));
  return bufs;
}

export function reduceBuffers(weightDtype: NpuDType, chunk: number, alignment: number): PlannedBuffer[] {
  const bufs = [
    buffer('sum', chunk, 'float32', 1, alignment, 'Kahan sum'),
    buffer('comp', chunk, 'float32', 1, alignment, 'Kahan compensation'),
    buffer('part', chunk, 'float32', 1, alignment, 'one core\'s partial'),
  ];
  if (weightDtype !== 'float32') bufs.push(buffer('stage', chunk, weightDtype, 1, alignment, `${weightDtype} staging for casts`));
  return bufs;
}

/** Largest x in [1, hi] with bytes(x) <= budget (bytes is non-decreasing), or 0 when even 1 does not fit. */
function largestFitting(hi: number, budget: number, bytes: (x: number) => number): number {
  if (hi < 1 || bytes(1) > budget) return 0;
  let lo = 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (bytes(mid) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

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
  budget: number;
  maxCol: number;
  maxRow: number;
}

function kernelPlan(
  ctx: Ctx, name: string, direction: 'forward' | 'backward', description: string, cores: number,
  tiling: KernelPlan['tiling'], buffers: PlannedBuffer[], notes: string[] = [],
): KernelPlan {
  const ubBytes = sumBytes(buffers);
  return {
    name, direction, description, cores, tiling, buffers, ubBytes,
    budgetBytes: ctx.budget, capacityBytes: ctx.spec.ubBytes, fits: ubBytes <= ctx.budget, notes,
  };
}

type BandBufferFn = (cw: number, pass: BandPass, r: number, slots: number) => PlannedBuffer[];

/**
 * Single-block band if whole rows fit (first with a prefetch slot in the ring, then without one), else the
 * widest column block that fits (with the per-row statistics buffers capped).
 */
function planBand(ctx: Ctx, fn: BandBufferFn, multiPass: BandPass, rDependentPerRow: number): { pass: BandPass; tiling: BandTiling; buffers: PlannedBuffer[]; notes: string[] } {
  const { geo, budget } = ctx;
  let r = rowsPerUnitFor(geo, ctx.spec.vectorCores);
  const notes: string[] = [];
  const withPrefetch = geo.depth + 1;
  if (geo.L <= ctx.maxCol) {
    for (const slots of [withPrefetch, geo.depth]) {
      if (sumBytes(fn(geo.L, 'single', r, slots)) <= budget) {
        if (slots === geo.depth) notes.push('ring without a prefetch slot so that whole rows fit (row DMA does not overlap compute)');
        return { pass: 'single', tiling: bandTiling(geo, geo.L, r, 'single', slots), buffers: fn(geo.L, 'single', r, slots), notes };
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
    const cwMax = largestFitting(Math.min(geo.L, ctx.maxCol), budget, (cw) => sumBytes(fn(cw, multiPass, r, slots)));
    if (cwMax > 0) {
      if (slots === geo.depth) notes.push('ring without a prefetch slot (nothing fits with one)');
      const cw = balancedBlock(cwMax, geo.L);
      return { pass: multiPass, tiling: bandTiling(geo, cw, r, multiPass, slots), buffers: fn(cw, multiPass, r, slots), notes };
    }
  }
  const need = sumBytes(fn(1, multiPass, r, geo.depth));
  return {
    pass: multiPass,
    tiling: bandTiling(geo, 1, r, multiPass, geo.depth),
    buffers: fn(1, multiPass, r, geo.depth),
    notes: [...notes, `even a 1-column block needs ${need} B > budget ${budget} B (weights and per-channel rows); use a larger UB or fewer channels per group`],
  };
}

function planRowKernel(ctx: Ctx, name: string, direction: 'forward' | 'backward', description: string, inputs: 1 | 2, outDtype: NpuDType | null, rows: number): KernelPlan {
  const { geo, budget } = ctx;
  const inputDtype = outDtype === null ? ctx.dtype : 'float32';
  const chunk = Math.min(ROW_CHUNK, rows);
  const rbMax = largestFitting(Math.min(geo.L, ctx.maxRow), budget, (rb) => sumBytes(rowKernelBuffers(inputs, inputDtype, outDtype, rb, chunk, ctx.spec.alignmentBytes)));
  const rb = rbMax === 0 ? 1 : balancedBlock(rbMax, geo.L);
  const chunks = Math.ceil(rows / chunk);
  const tiling: RowTiling = { kind: 'row', rowBlock: rb, rowChunk: chunk, rows, chunks, writesRows: outDtype !== null };
  const notes = rb < geo.L ? [`rows longer than ${rb} are processed in ${Math.ceil(geo.L / rb)} blocks per pass`] : [];
  return kernelPlan(ctx, name, direction, description, Math.min(ctx.spec.vectorCores, chunks), tiling,
    rowKernelBuffers(inputs, inputDtype, outDtype, rb, chunk, ctx.spec.alignmentBytes), notes);
}

function planReduce(ctx: Ctx, partials: number): KernelPlan {
  const elems = ctx.geo.wElems + (ctx.bias ? ctx.geo.Cout : 0);
  const a = ctx.spec.alignmentBytes;
  const chMax = largestFitting(elems, ctx.budget, (ch) => sumBytes(reduceBuffers(ctx.dtype, ch, a)));
  const chunk = Math.max(1, chMax === 0 ? 1 : chMax);
  const chunks = Math.ceil(elems / chunk);
  return kernelPlan(ctx, 'mta.bwd.wgrad-reduce', 'backward', 'sum the per-core weight/bias gradient partials (Kahan)',
    Math.min(ctx.spec.vectorCores, chunks), { kind: 'reduce', chunk, chunks, elems, partials }, reduceBuffers(ctx.dtype, chunk, a));
}

function planDefault(ctx: Ctx): { forward: KernelPlan[]; backward: KernelPlan[] } {
  const { geo, dtype, bias, spec } = ctx;
  const a = spec.alignmentBytes;
  const act = geo.sparse ? 'sparsemax' : 'softmax';
  const forward: KernelPlan[] = [];
  const backward: KernelPlan[] = [];
  const rows = geo.B * geo.Cin * geo.L;
  const outRows = geo.B * geo.Cout * geo.L;

  // ---- forward
  const fwd = planBand(ctx, (cw, pass, r, slots) => bandForwardBuffers(geo, dtype, bias, cw, pass, r, slots, a), 'multi', geo.mode === 'post' ? geo.cig * 8 : 0);
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
    const stats = planBand(ctx, (cw, pass, r, slots) => bandTransposeBuffers(geo, dtype, bias, cw, pass, r, slots, a), 'stats', geo.cig * 8);
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
        cores, applyTiling, bandTransposeBuffers(geo, dtype, bias, t.colBlock, 'apply', t.rowsPerUnit, t.ringSlots, a)));
    }
    backward.push(planReduce(ctx, Math.min(spec.vectorCores, stats.tiling.units)));
  } else {
    const band = planBand(ctx, (cw, pass, r, slots) => bandTransposeBuffers(geo, dtype, bias, cw, pass, r, slots, a), 'multi', geo.cog * 8);
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
export function planMta(shape: NpuMtaShape, dtype: NpuDType, spec: NpuSpec, options: PlanOptions = {}): MtaPlan {
  const config = options.config ?? defaultNpuMtaConfig(shape);
  const geo = mtaGeometry(shape, config);
  const margin = options.margin ?? DEFAULT_MARGIN;
  if (!(margin > 0 && margin <= 1)) throw new Error(`planMta: margin must be in (0, 1], got ${margin}`);
  const bias = options.bias ?? true;
  const planner = options.planner ?? 'default';
  if (planner === 'liger-pr1122') return planLigerPr1122(shape, config, dtype, spec, bias);
  if (planner !== 'default') throw new Error(`planMta: unknown planner '${String(planner)}'; use 'default' or 'liger-pr1122'`);
  const maxCol = options.maxColBlock ?? Infinity;
  const maxRow = options.maxRowBlock ?? Infinity;
  if (!(maxCol >= 1) || !(maxRow >= 1)) throw new Error('planMta: maxColBlock / maxRowBlock must be >= 1');
  const budget = Math.floor(spec.ubBytes * margin);
  const ctx: Ctx = { geo, dtype, bias, spec, budget, maxCol, maxRow };
  const { forward, backward } = planDefault(ctx);
  const all = [...forward, ...backward];
  return {
    planner, shape, config, dtype, bias, ubBytes: spec.ubBytes, margin, budgetBytes: budget, vectorCores: spec.vectorCores,
    forward, backward, fits: all.every((k) => k.fits),
    notes: [`compute buffers are float32 in the UB; GM holds ${dtype}`],
  };
}

/** Throw a PlanError listing every kernel that does not fit. */
export function assertPlanFits(plan: MtaPlan): void {
  const bad = [...plan.forward, ...plan.backward].filter((k) => !k.fits);
  if (bad.length === 0) return;
  const lines = bad.map((k) => `  ${k.name}: ${k.ubBytes ?? '?'} B > budget ${k.budgetBytes} B (UB ${k.capacityBytes} B)${k.notes.length ? `; ${k.notes.join('; ')}` : ''}`);
  throw new PlanError(`MTA plan (${plan.planner}) does not fit the UB:\n${lines.join('\n')}`);
}

/** The kernel plan with this name, or a clear error. */
export function kernelByName(plan: MtaPlan, name: string): KernelPlan {
  const k = [...plan.forward, ...plan.backward].find((x) => x.name === name);
  if (!k) throw new PlanError(`plan has no kernel '${name}'; it has ${[...plan.forward, ...plan.backward].map((x) => x.name).join(', ')}`);
  return k;
}
