/**
 * From raw measurements to what people read: `BenchResult` rows with ratios and cross-checks, the
 * `bench/results.json` report, and the text table printed at the end of `pnpm bench`.
 */
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fingerprintDifference } from './cross-check';
import { FLOOR_METHOD, floorMachine, floorMs, type FloorMachine } from './floor';
import { renderRatioChart, renderTimeChart } from './plots';
import type { BenchPlan, BenchRun } from './runner';
import { PHASES, VARIANTS, type BenchFailure, type BenchResult, type BenchSkip, type Phase, type Variant } from './types';

export const MEMORY_METHOD =
  'peakExtraBytes = max(largest rss sampled after a run - rss before the warm-up, kernel rss high-water mark ' +
  '(getrusage maxRSS) - rss before the warm-up when that mark rose during the runs, largest arrayBuffers sampled ' +
  '- arrayBuffers before); baseline taken after inputs were uploaded and a GC. Memory kept between runs (pools, ' +
  'wasm heap) counts. Each (backend, variant, phase, L) runs in a fresh process unless --in-process, where later ' +
  'phases see only memory beyond what earlier ones left (lower bounds).';

export interface BenchReport {
  readonly format: 'mta-bench/2';
  readonly createdAt: string;
  readonly environment: {
    readonly node: string;
    readonly platform: string;
    readonly arch: string;
    readonly cpu: string;
    readonly cpus: number;
    readonly totalMemoryBytes: number;
    readonly glibcTunables: string | null;
    /** os.loadavg() when the run ended (1, 5, 15 min): above the core count, other work shared the CPU. */
    readonly loadAverage: readonly number[];
  };
  readonly problem: {
    readonly B: number;
    readonly Cin: number;
    readonly Cout: number;
    readonly K: number;
    readonly padding: number;
    readonly groups: 1;
    readonly bias: true;
    readonly dtype: 'float32';
    readonly seed: number;
  };
  readonly settings: { readonly warmup: number; readonly warmupMinMs?: number; readonly repeats: number; readonly minTimeMs: number; readonly isolate: boolean; readonly check: boolean };
  readonly reference: string | null;
  readonly backends: readonly { readonly name: string; readonly kind: 'peer' | 'ours'; readonly summary: string; readonly runtime: string | null }[];
  readonly notes: readonly string[];
  readonly memoryMethod: string;
  /** The machine numbers behind every row's floorMs, and how they were estimated. */
  readonly floor: FloorMachine & { readonly method: string };
  readonly results: readonly BenchResult[];
  readonly failures: readonly BenchFailure[];
  readonly skipped: readonly BenchSkip[];
}

/** The cross-check reference: `preferred` when it ran, else the first backend (plan order) that did. */
function referenceFor(run: BenchRun, plan: BenchPlan, variant: Variant, L: number, hugetlb: boolean, preferred: string): string | null {
  const have = new Set(run.fingerprints.filter((f) => f.variant === variant && f.L === L && f.hugetlb === hugetlb).map((f) => f.backend));
  if (have.has(preferred)) return preferred;
  return plan.backends.find((b) => have.has(b.name))?.name ?? null;
}

export function assembleResults(run: BenchRun, plan: BenchPlan, preferredReference: string, machine: FloorMachine = floorMachine()): BenchResult[] {
  const kindOf = new Map(plan.backends.map((b) => [b.name, b.kind]));
  const order = new Map(plan.backends.map((b, i) => [b.name, i]));
  const rows = run.measured.map((m): BenchResult => {
    const peers = run.measured.filter(
      (o) => o.variant === m.variant && o.phase === m.phase && o.L === m.L && o.hugetlb === m.hugetlb && kindOf.get(o.backend) === 'peer',
    );
    const fastest = peers.reduce<(typeof peers)[number] | undefined>(
      (best, o) => (best === undefined || o.measurement.medianMs < best.measurement.medianMs ? o : best),
      undefined,
    );
    const reference = referenceFor(run, plan, m.variant, m.L, m.hugetlb, preferredReference);
    const same = (f: (typeof run.fingerprints)[number]) => f.variant === m.variant && f.L === m.L && f.hugetlb === m.hugetlb;
    const mine = run.fingerprints.find((f) => f.backend === m.backend && same(f));
    const theirs = run.fingerprints.find((f) => f.backend === reference && same(f));
    const info = run.infos[m.backend];
    const floor = floorMs(plan.size, m.L, m.phase, machine);
    const checked = reference !== null && reference !== m.backend && mine !== undefined && theirs !== undefined;
    return {
      backend: m.backend,
      variant: m.variant,
      phase: m.phase,
      L: m.L,
      medianMs: m.measurement.medianMs,
      minMs: m.measurement.minMs,
      samplesMs: m.measurement.samplesMs,
      firstCallMs: m.measurement.warmupMs[0] ?? null,
      peakExtraBytes: m.measurement.peakExtraBytes,
      ratioToPeer: fastest === undefined ? null : m.measurement.medianMs / fastest.measurement.medianMs,
      peer: fastest?.backend ?? null,
      checkRelErr: checked ? fingerprintDifference(mine.fingerprint, theirs.fingerprint) : null,
      checkAgainst: checked ? reference : null,
      ...(m.extra === undefined ? {} : { extra: m.extra }),
      runtime: info?.runtime ?? run.descriptions[m.backend] ?? 'unknown',
      threads: info?.threads ?? 0,
      simd: info?.simd ?? 'unknown',
      hugetlb: m.hugetlb,
      floorMs: floor,
      ratioToFloor: m.measurement.medianMs / floor,
    };
  });
  const variantIndex = (v: Variant) => VARIANTS.indexOf(v);
  const phaseIndex = (p: Phase) => PHASES.indexOf(p);
  return rows.sort(
    (a, b) =>
      variantIndex(a.variant) - variantIndex(b.variant) ||
      phaseIndex(a.phase) - phaseIndex(b.phase) ||
      Number(a.hugetlb) - Number(b.hugetlb) ||
      a.L - b.L ||
      (order.get(a.backend) ?? 0) - (order.get(b.backend) ?? 0),
  );
}

export function buildReport(run: BenchRun, plan: BenchPlan, preferredReference: string): BenchReport {
  const machine = floorMachine();
  const results = assembleResults(run, plan, preferredReference, machine);
  const cpus = os.cpus();
  return {
    format: 'mta-bench/2',
    createdAt: new Date().toISOString(),
    environment: {
      node: process.version,
      platform: os.platform(),
      arch: os.arch(),
      cpu: cpus[0]?.model ?? 'unknown',
      cpus: cpus.length,
      totalMemoryBytes: os.totalmem(),
      glibcTunables: process.env['GLIBC_TUNABLES'] ?? null,
      loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
    },
    problem: { B: plan.size.B, Cin: plan.size.C, Cout: plan.size.C, K: plan.size.K, padding: plan.size.padding, groups: 1, bias: true, dtype: 'float32', seed: plan.seed },
    settings: { ...plan.measure, isolate: plan.isolate, check: plan.check },
    reference: plan.backends.some((b) => b.name === preferredReference) ? preferredReference : (plan.backends[0]?.name ?? null),
    backends: plan.backends.map((b) => ({ name: b.name, kind: b.kind, summary: b.summary, runtime: run.descriptions[b.name] ?? null })),
    notes: run.notes,
    memoryMethod: MEMORY_METHOD,
    floor: { ...machine, method: FLOOR_METHOD },
    results,
    failures: run.failures,
    skipped: run.skipped,
  };
}

export interface WrittenFiles {
  readonly json: string;
  readonly timeSvg: string;
  /** Null when no row has a peer to compare with (a run of one backend): there is no ratio to draw. */
  readonly ratioSvg: string | null;
}

/** Writes results.json, mta-time.svg and mta-ratio.svg into `dir` (created if missing). */
export async function writeReport(report: BenchReport, dir: string): Promise<WrittenFiles> {
  mkdirSync(dir, { recursive: true });
  const files: WrittenFiles = {
    json: path.join(dir, 'results.json'),
    timeSvg: path.join(dir, 'mta-time.svg'),
    ratioSvg: report.results.some((r) => r.ratioToPeer !== null) ? path.join(dir, 'mta-ratio.svg') : null,
  };
  // JSON has no Infinity: a non-finite cross-check difference is written as null plus a failure.
  writeFileSync(files.json, `${JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`);
  const subtitle = `${report.environment.cpu}, ${report.environment.cpus} cores, Node ${report.environment.node}; B=${report.problem.B}, C=${report.problem.Cin}, K=${report.problem.K}, pad ${report.problem.padding}, float32`;
  writeFileSync(files.timeSvg, await renderTimeChart(report.results, subtitle));
  const staleRatio = path.join(dir, 'mta-ratio.svg');
  if (files.ratioSvg) writeFileSync(files.ratioSvg, await renderRatioChart(report.results, subtitle));
  else rmSync(staleRatio, { force: true }); // an earlier run's chart would describe other results
  return files;
}

/**
 * Float32 implementations of the same op differ by ~1e-6 here (summation order); 1e-4 leaves room
 * for long reductions at L = 2048 and still catches a wrong mask, pad or gradient.
 */
export const CHECK_TOLERANCE = 1e-4;

/** A null difference next to a reference means it was not finite (JSON has no Infinity). */
function checkError(r: BenchResult): number {
  return r.checkRelErr === null || !Number.isFinite(r.checkRelErr) ? Infinity : r.checkRelErr;
}

/** Rows whose results disagree with the reference backend's. */
export function mismatches(report: BenchReport): BenchResult[] {
  const seen = new Set<string>();
  return report.results.filter((r) => {
    const key = `${r.backend}/${r.variant}/${r.L}/${r.hugetlb}`;
    if (r.checkAgainst === null || checkError(r) <= CHECK_TOLERANCE || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

/**
 * One block per (variant, phase): rows L, columns backends, cells "median ms (ratio to the
 * reference)". A backend that did not run a cell shows '-' (capped or not implemented) or 'failed'.
 */
export function formatTable(report: BenchReport): string {
  const names = report.backends.map((b) => b.name);
  const reference = report.reference;
  const lines: string[] = [];
  const width = Math.max(20, ...names.map((n) => n.length + 2));
  const pad = (text: string) => text.padStart(width);
  // Every column states what ran it: runtime, threads, SIMD (also on every row of results.json).
  lines.push('', 'backends (every row of results.json repeats these):');
  for (const b of report.backends) {
    const row = report.results.find((r) => r.backend === b.name);
    const skip = report.skipped.find((k) => k.backend === b.name);
    if (row !== undefined) lines.push(`  ${b.name}: ${row.runtime}; threads ${row.threads}; SIMD ${row.simd}`);
    else if (skip !== undefined) lines.push(`  ${b.name}: skipped: ${skip.reason}`);
  }
  const settings = [...new Set(report.results.map((r) => r.hugetlb).concat(report.failures.map((f) => f.hugetlb)))].sort();
  for (const hugetlb of settings) {
    for (const variant of VARIANTS) {
      for (const phase of PHASES) {
        const rows = report.results.filter((r) => r.variant === variant && r.phase === phase && r.hugetlb === hugetlb);
        const failed = report.failures.filter((f) => f.variant === variant && f.phase === phase && f.hugetlb === hugetlb);
        const skipped = report.skipped.filter((k) => k.variant === variant && k.phase === phase && k.hugetlb === hugetlb);
        const Ls = [...new Set([...rows.map((r) => r.L), ...failed.map((f) => f.L)])].sort((a, b) => a - b);
        if (Ls.length === 0) continue;
        const pages = hugetlb ? 'GLIBC_TUNABLES=glibc.malloc.hugetlb=1' : 'default pages';
        lines.push('', `${variant}, ${phase}, ${pages}: median ms${reference === null ? '' : ` (x = ratio to ${reference})`}; floor = arithmetic floor (ms), cpu/floor`);
        lines.push(`${'L'.padStart(6)}  ${names.map(pad).join('')}${pad('floor')}${pad('cpu/floor')}`);
        for (const L of Ls) {
          const base = rows.find((r) => r.L === L && r.backend === reference);
          const cells = names.map((name) => {
            const row = rows.find((r) => r.L === L && r.backend === name);
            if (row === undefined) {
              if (failed.some((f) => f.L === L && f.backend === name)) return pad('failed');
              return pad(skipped.some((k) => k.L === L && k.backend === name) ? 'skipped' : '-');
            }
            const ratio = base === undefined ? '' : ` (${(row.medianMs / base.medianMs).toFixed(2)}x)`;
            return pad(`${formatMs(row.medianMs)}${ratio}`);
          });
          const any = rows.find((r) => r.L === L);
          const cpu = rows.find((r) => r.L === L && r.backend === 'cpu');
          const floorText = any === undefined ? '-' : formatMs(any.floorMs);
          lines.push(`${String(L).padStart(6)}  ${cells.join('')}${pad(floorText)}${pad(cpu === undefined ? '-' : `${cpu.ratioToFloor.toFixed(2)}x`)}`);
        }
      }
    }
  }
  const f = report.floor;
  lines.push('', `floor: ${f.lanes} lanes x ${f.cores} cores x ${f.clockGHz.toFixed(2)} GHz (${f.clockSource}); ${f.method}`);
  const checks = report.results.filter((r) => r.checkAgainst !== null);
  if (checks.length > 0) {
    const worst = Math.max(...checks.map(checkError));
    lines.push('', `cross-check against ${reference}: worst sampled relative difference ${worst.toExponential(2)}`);
  }
  for (const r of mismatches(report)) {
    lines.push(`MISMATCH: ${r.backend} ${r.variant} L=${r.L} differs from ${r.checkAgainst} by ${checkError(r).toExponential(2)} (> ${CHECK_TOLERANCE}): its times are not comparable.`);
  }
  const [load1 = 0, load5 = 0] = report.environment.loadAverage;
  if (load5 > report.environment.cpus * 0.75) {
    lines.push(`note: load average ${load1.toFixed(1)} (1 min), ${load5.toFixed(1)} (5 min) on ${report.environment.cpus} cores: other work shared the CPU; times are noisy.`);
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  for (const f of report.failures) lines.push(`failed: ${f.backend} ${f.variant} ${f.phase} L=${f.L}${f.hugetlb ? ' (hugetlb)' : ''}: ${f.message}`);
  const skips = new Map(report.skipped.map((k) => [k.backend, k.reason]));
  for (const [backend, reason] of skips) lines.push(`skipped (not passed): ${backend}: ${reason}`);
  return lines.join('\n');
}
