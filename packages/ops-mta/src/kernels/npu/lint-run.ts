/**
 * `mta lint-npu`'s engine: every npu MTA planner's kernels over a grid (lint-grid.ts), run in the simulator in
 * poison mode where that is cheap and planned (fit + loop-bound coverage) everywhere else. Per kernel it keeps
 * the worst UB use, the first rule violated and GM traffic against the minimum the kernel declares.
 *
 * A violation is whatever named error the simulator or planner raises (`UbOverflowError`,
 * `UnwrittenOutputError`, `UninitializedReadError`, `NpuAccessError`, and any rule added to device-npu later):
 * the lint classifies by `error.name`, so a new named error shows up here without a change to this file.
 */
import {
  NpuSimulator, makeNpuSpec, seededValues, type LaunchRecord, type NpuDType, type NpuSpec, type SocName,
} from '@mta/device-npu';
import { npuMtaBackward, npuMtaForward } from './forward-backward.js';
import type { NpuMtaShape } from './geometry.js';
import { DEFAULT_LINT_GRID, type LintGrid, type LintVariant } from './lint-grid.js';
import { planCoverage } from './plan-coverage.js';
import type { NpuMtaPlan, NpuMtaPlannerName } from './plan-types.js';
import { planNpuMta } from './planner.js';
import { runLigerRowSoftmaxForward } from './pr1122-forward.js';

/** Where in the grid a finding was made. */
export interface LintCase {
  readonly planner: NpuMtaPlannerName;
  readonly variant: string;
  readonly soc: SocName;
  readonly ubBytes: number;
  readonly dtype: NpuDType;
  readonly L: number;
  /** 'simulation': the kernel ran in poison mode; 'plan': fit and coverage computed from the plan alone. */
  readonly source: 'simulation' | 'plan';
}

export interface LintViolation {
  /** 'overflow', 'unwritten', 'uninitialized read', or the error's name for any other rule. */
  readonly rule: string;
  /** The named error the simulator or planner raised (or, for a plan verdict, would raise when run). */
  readonly error: string;
  readonly message: string;
  readonly at: LintCase;
}

export interface LintKernelSummary {
  readonly planner: NpuMtaPlannerName;
  readonly kernel: string;
  /** 'op': the sum over an op's kernels (our kernels declare their GM minimum per op, forward and backward). */
  readonly scope: 'kernel' | 'op';
  /** Cases in which this kernel was planned or run. */
  readonly checks: number;
  readonly violations: number;
  readonly firstViolation: LintViolation | null;
  /** The largest UB use relative to capacity, and where. */
  readonly worstUb: { readonly bytes: number; readonly capacityBytes: number; readonly at: LintCase } | null;
  /** Simulated runs only: GM bytes moved and the minimum the kernel declared (null when it declares none). */
  readonly gmBytes: number;
  readonly gmMinBytes: number | null;
}

export interface LintReport {
  readonly kernels: readonly LintKernelSummary[];
  readonly cases: { readonly simulated: number; readonly planned: number };
  readonly violations: number;
  readonly clean: boolean;
}

export interface LintOptions {
  /** Called after each case with (done, total), e.g. to draw progress on a terminal. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The rule a named error stands for; unknown names stand for themselves. */
export function ruleOf(errorName: string): string {
  switch (errorName) {
    case 'UbOverflowError':
    case 'UbTilingOverflowError':
      return 'overflow';
    case 'UnwrittenOutputError':
      return 'unwritten';
    case 'UninitializedReadError':
      return 'uninitialized read';
    case 'DmaAlignmentError':
      return 'misaligned DMA';
    case 'VectorAlignmentError':
      return 'misaligned vector operand';
    case 'GmWriteRaceError':
      return 'race';
    case 'GmOverwriteError':
      return 'overwrite';
    case 'ReduceTmpBufferError':
      return 'uncounted reduction temp';
    default:
      return errorName;
  }
}

interface MutableSummary {
  planner: NpuMtaPlannerName;
  kernel: string;
  scope: 'kernel' | 'op';
  checks: number;
  violations: number;
  firstViolation: LintViolation | null;
  worstUb: { bytes: number; capacityBytes: number; at: LintCase } | null;
  gmBytes: number;
  gmMinBytes: number | null;
}

class Findings {
  readonly byKernel = new Map<string, MutableSummary>();
  simulated = 0;
  planned = 0;

  kernel(planner: NpuMtaPlannerName, kernel: string, scope: 'kernel' | 'op' = 'kernel'): MutableSummary {
    const key = `${planner}\u0000${kernel}`;
    let s = this.byKernel.get(key);
    if (!s) {
      s = { planner, kernel, scope, checks: 0, violations: 0, firstViolation: null, worstUb: null, gmBytes: 0, gmMinBytes: null };
      this.byKernel.set(key, s);
    }
    return s;
  }

  ub(s: MutableSummary, bytes: number, capacityBytes: number, at: LintCase): void {
    if (!s.worstUb || bytes / capacityBytes > s.worstUb.bytes / s.worstUb.capacityBytes) s.worstUb = { bytes, capacityBytes, at };
  }

  violation(s: MutableSummary, error: string, message: string, at: LintCase): void {
    s.violations++;
    s.firstViolation ??= { rule: ruleOf(error), error, message, at };
  }

  record(planner: NpuMtaPlannerName, r: LaunchRecord, at: LintCase): void {
    const s = this.kernel(planner, r.kernel);
    s.checks++;
    this.ub(s, r.ubPeakBytes, r.ubCapacityBytes, at);
    s.gmBytes += r.gmReadBytes + r.gmWriteBytes;
    if (r.minReadBytes !== null || r.minWriteBytes !== null) s.gmMinBytes = (s.gmMinBytes ?? 0) + (r.minReadBytes ?? 0) + (r.minWriteBytes ?? 0);
  }
}

const shapeOf = (grid: LintGrid, L: number): NpuMtaShape => ({ B: grid.batch, Cin: grid.channels, Cout: grid.channels, L, kH: grid.kernelSize, kW: grid.kernelSize });

function errorParts(err: unknown): { name: string; message: string; kernel: string | null } {
  if (err instanceof Error) {
    const kernel = (err as { kernel?: unknown }).kernel;
    return { name: err.name, message: err.message.split('\n')[0]!, kernel: typeof kernel === 'string' ? kernel : null };
  }
  return { name: 'Error', message: String(err), kernel: null };
}

/**
 * Run one case in the simulator; every launch is recorded, the first named error is the case's violation.
 * The presets' simulated kernel is one row kernel over every (batch, channel) map alike, so one map shows
 * everything it does.
 */
function simulateCase(findings: Findings, grid: LintGrid, spec: NpuSpec, variant: LintVariant, at: LintCase): void {
  const sim = new NpuSimulator(spec, { poison: true });
  const shape = at.planner === 'default' ? shapeOf(grid, at.L) : { ...shapeOf(grid, at.L), B: 1, Cin: 1, Cout: 1 };
  const config = variant.config(shape);
  const { B, Cin, Cout, L, kH, kW } = shape;
  let failure: unknown = null;
  let plan: NpuMtaPlan | null = null;
  try {
    plan = planNpuMta(shape, at.dtype, spec, { config, bias: true, planner: at.planner });
    const scores = sim.upload('scores', at.dtype, [B, Cin, L, L], seededValues(B * Cin * L * L, 1));
    if (at.planner === 'default') {
      const weight = sim.upload('weight', 'float32', [Cout, Cin / config.groups, kH, kW], seededValues(Cout * (Cin / config.groups) * kH * kW, 2));
      const bias = sim.upload('bias', 'float32', [Cout], seededValues(Cout, 3));
      const { saved } = npuMtaForward(sim, scores, weight, bias, shape, config, { plan });
      const gradOut = sim.upload('gradOut', at.dtype, [B, Cout, L, L], seededValues(B * Cout * L * L, 4));
      npuMtaBackward(sim, gradOut, saved);
    } else {
      runLigerRowSoftmaxForward(sim, scores, plan);
    }
  } catch (err) {
    failure = err;
  }
  // The simulated run is the stronger evidence: the plan's own verdicts are added only for what did not run.
  if (plan && at.planner === 'default' && failure === null) planVerdicts(findings, plan, { ...at, source: 'plan' }, false);
  for (const r of sim.records) findings.record(at.planner, r, at);
  for (const g of sim.groups) {
    const s = findings.kernel(at.planner, g.name, 'op');
    s.checks++;
    s.gmBytes += sim.records.filter((r) => r.group === g.name).reduce((n, r) => n + r.gmReadBytes + r.gmWriteBytes, 0);
    s.gmMinBytes = (s.gmMinBytes ?? 0) + g.minReadBytes + g.minWriteBytes;
  }
  if (failure !== null) {
    const { name, message, kernel } = errorParts(failure);
    const failed = [...sim.records].reverse().find((r) => r.error !== null)?.kernel ?? kernel ?? 'plan';
    findings.violation(findings.kernel(at.planner, failed), name, message, at);
  }
  findings.simulated++;
}

/**
 * What the plan itself says: a kernel over its UB budget (the planner found no tiling that fits: the error it
 * would raise is UbTilingOverflowError) and loop bounds that leave outputs unwritten. `recordUb`: take the
 * planned UB bytes as the kernel's use (plan-only cases; simulated ones measure it).
 */
function planVerdicts(findings: Findings, plan: NpuMtaPlan, at: LintCase, recordUb: boolean): void {
  for (const k of [...plan.forward, ...plan.backward]) {
    if (k.ubBytes === null) continue; // outside the UB plan (torch's convolutions in the presets)
    const s = findings.kernel(at.planner, k.name);
    if (recordUb) {
      s.checks++;
      findings.ub(s, k.ubBytes, k.capacityBytes, at);
    }
    if (!k.fits) {
      findings.violation(s, 'UbTilingOverflowError', `${k.name} needs ${k.ubBytes.toLocaleString('en-US')} B of UB, more than its budget of ${k.budgetBytes.toLocaleString('en-US')} B (UB ${k.capacityBytes.toLocaleString('en-US')} B)`, at);
    }
  }
  for (const e of planCoverage(plan)) {
    if (e.unwritten > 0) {
      findings.violation(findings.kernel(at.planner, e.kernel), 'UnwrittenOutputError',
        `${e.kernel}'s loop bounds leave ${e.unwritten.toLocaleString('en-US')} of ${e.elements.toLocaleString('en-US')} elements of ${e.output} unwritten`, at);
    }
  }
}

/** Plan one case: UB fit of every kernel the plan places in the UB, and the coverage of its loop bounds. */
function planCase(findings: Findings, grid: LintGrid, spec: NpuSpec, variant: LintVariant, at: LintCase): void {
  const shape = shapeOf(grid, at.L);
  let plan: NpuMtaPlan;
  try {
    plan = planNpuMta(shape, at.dtype, spec, { config: variant.config(shape), bias: true, planner: at.planner });
  } catch (err) {
    const { name, message, kernel } = errorParts(err);
    findings.violation(findings.kernel(at.planner, kernel ?? 'plan'), name, message, at);
    findings.planned++;
    return;
  }
  planVerdicts(findings, plan, at, true);
  findings.planned++;
}

/** Presets implement post mode only (as their sources do); their simulated kernel is the softmax forward. */
function variantsFor(grid: LintGrid, planner: NpuMtaPlannerName, simulated: boolean): readonly LintVariant[] {
  if (planner === 'default') return grid.variants;
  return grid.variants.filter((v) => (simulated ? v.name === 'post-softmax' : v.name.startsWith('post-')));
}

/** Walk the grid. Pure apart from the simulator it builds per case; the CLI formats the report. */
export function lintNpu(grid: LintGrid = DEFAULT_LINT_GRID, options: LintOptions = {}): LintReport {
  const findings = new Findings();
  // Simulations first: where a rule is both simulated and planned, the first violation reported is the one
  // the simulator raised while running the kernel.
  const jobs: Array<() => void> = [];
  const planJobs: Array<() => void> = [];
  // SoCs that agree on everything a correctness rule reads (UB, alignment, cores) run identically: simulate once.
  const simulatedKeys = new Set<string>();
  for (const planner of grid.planners) {
    for (const soc of grid.socs) {
      for (const ubBytes of grid.ubBytes) {
        const spec = makeNpuSpec({ soc, ubBytes, env: {} });
        for (const dtype of grid.dtypes) {
          const simulatedLengths = planner === 'default' ? grid.simulatedLengths : grid.presetSimulatedLengths;
          for (const variant of variantsFor(grid, planner, true)) {
            for (const L of simulatedLengths) {
              const key = [planner, variant.name, dtype, L, spec.ubBytes, spec.alignmentBytes, spec.vectorCores].join('|');
              if (simulatedKeys.has(key)) continue;
              simulatedKeys.add(key);
              jobs.push(() => simulateCase(findings, grid, spec, variant, { planner, variant: variant.name, soc, ubBytes, dtype, L, source: 'simulation' }));
            }
          }
          for (const variant of variantsFor(grid, planner, false)) {
            for (const L of grid.plannedLengths) {
              planJobs.push(() => planCase(findings, grid, spec, variant, { planner, variant: variant.name, soc, ubBytes, dtype, L, source: 'plan' }));
            }
          }
        }
      }
    }
  }
  jobs.push(...planJobs);
  jobs.forEach((job, i) => {
    job();
    options.onProgress?.(i + 1, jobs.length);
  });
  const kernels = [...findings.byKernel.values()].map((s): LintKernelSummary => ({ ...s }));
  const violations = kernels.reduce((n, k) => n + k.violations, 0);
  return { kernels, cases: { simulated: findings.simulated, planned: findings.planned }, violations, clean: violations === 0 };
}
