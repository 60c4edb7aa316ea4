/**
 * Runs a benchmark plan: every (backend, variant, L) and its phases, either each phase in a fresh
 * child process (default: clean memory numbers, no state shared between backends) or all in this
 * process (for tests and quick looks). Collects measurements, fingerprints and failures; never stops
 * at the first failure, since one backend running out of memory at L = 2048 says nothing about the rest.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CELL_EVENT_PREFIX, errorMessage, runCell, type CellEvent, type CellSpec, type MeasureSettings } from './cell';
import type { Fingerprint } from './cross-check';
import type { Measurement } from './harness';
import type { ProblemSize } from './problem';
import { ProgressBar } from './progress';
import { BackendSkipped, type BenchBackendEntry, type BenchFailure, type BenchSkip, type Phase, type RuntimeInfo, type Variant } from './types';

export interface BenchPlan {
  readonly backends: readonly BenchBackendEntry[];
  readonly variants: readonly Variant[];
  readonly Ls: readonly number[];
  readonly phases: readonly Phase[];
  readonly size: ProblemSize;
  readonly seed: number;
  readonly measure: MeasureSettings;
  /** False: a backend's own `repeats` (slow peers) replaces measure.repeats. */
  readonly repeatsFromUser: boolean;
  /** Ignore the backends' defaultMaxL. */
  readonly noCap: boolean;
  /** One child process per (backend, variant, phase, L). */
  readonly isolate: boolean;
  readonly check: boolean;
  /**
   * Huge pages for large allocations (GLIBC_TUNABLES=glibc.malloc.hugetlb=1): first touch of fresh
   * pages costs ~100 ms per 32 MiB without them and flatters whoever reuses buffers. 'both' runs every
   * cell twice. Anything but 'off' needs isolated cells (glibc reads the variable at process start).
   */
  readonly hugetlb: 'off' | 'on' | 'both';
}

export const HUGETLB_TUNABLE = 'glibc.malloc.hugetlb=1';

export interface MeasuredPhase {
  readonly backend: string;
  readonly variant: Variant;
  readonly phase: Phase;
  readonly L: number;
  readonly measurement: Measurement;
  readonly extra?: Readonly<Record<string, number>>;
  readonly hugetlb: boolean;
}

export interface CellFingerprint {
  readonly backend: string;
  readonly variant: Variant;
  readonly L: number;
  readonly phase: Phase;
  readonly fingerprint: Fingerprint;
  readonly hugetlb: boolean;
}

export interface BenchRun {
  readonly measured: MeasuredPhase[];
  readonly fingerprints: CellFingerprint[];
  readonly failures: BenchFailure[];
  readonly skipped: BenchSkip[];
  /** Backend name -> what actually ran (versions, SIMD, threads). */
  readonly descriptions: Record<string, string>;
  readonly infos: Record<string, RuntimeInfo>;
  readonly notes: string[];
}

/** The cells to run, in run order, and notes about what was left out. */
export function planCells(plan: BenchPlan): { cells: CellSpec[]; notes: string[] } {
  const notes: string[] = [];
  const cells: CellSpec[] = [];
  /**
   * Isolated runs give each phase its own process: a wasm heap never shrinks, so a forward+backward
   * measured after a forward in the same process would see only the memory beyond the forward's.
   * The cross-check runs with the last phase, which is forward+backward when the backend has it.
   */
  const cellsFor = (entry: BenchBackendEntry, variant: Variant, L: number): CellSpec[] => {
    if (!plan.noCap && entry.defaultMaxL !== undefined && L > entry.defaultMaxL) return [];
    const phases = plan.phases.filter((p) => entry.phases.includes(p));
    if (phases.length === 0) return [];
    const repeats = plan.repeatsFromUser ? plan.measure.repeats : (entry.repeats ?? plan.measure.repeats);
    const settings = plan.hugetlb === 'both' ? [false, true] : [plan.hugetlb === 'on'];
    return settings.flatMap((hugetlb) => {
      const cell = (cellPhases: Phase[], check: boolean): CellSpec => ({
        backend: entry.name, variant, L, phases: cellPhases, size: plan.size, seed: plan.seed, measure: { ...plan.measure, repeats }, check, hugetlb,
      });
      if (!plan.isolate) return [cell(phases, plan.check)];
      return phases.map((phase, i) => cell([phase], plan.check && i === phases.length - 1));
    });
  };
  for (const entry of plan.backends) {
    const capped = plan.Ls.filter((L) => !plan.noCap && entry.defaultMaxL !== undefined && L > entry.defaultMaxL);
    if (capped.length > 0) notes.push(`${entry.name} capped at L <= ${entry.defaultMaxL} (skipped L = ${capped.join(', ')}; --no-cap runs them).`);
    const missing = plan.phases.filter((p) => !entry.phases.includes(p));
    if (missing.length > 0) notes.push(`${entry.name} does not implement ${missing.join(', ')}.`);
  }
  if (plan.isolate) {
    // Interleave backends so slow drift of the machine affects all of them alike.
    for (const variant of plan.variants) for (const L of plan.Ls) for (const entry of plan.backends) push(entry, variant, L);
  } else {
    // One backend at a time: setup once (tfjs backends share one global engine).
    for (const entry of plan.backends) for (const variant of plan.variants) for (const L of plan.Ls) push(entry, variant, L);
  }
  return { cells, notes };

  function push(entry: BenchBackendEntry, variant: Variant, L: number): void {
    cells.push(...cellsFor(entry, variant, L));
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** Turns cell events into progress output and collected results. */
class Collector {
  readonly run: BenchRun = { measured: [], fingerprints: [], failures: [], skipped: [], descriptions: {}, infos: {}, notes: [] };
  private running: Phase | undefined;
  private ended = new Set<Phase>();

  constructor(private readonly progress: ProgressBar) {}

  startCell(): void {
    this.running = undefined;
    this.ended = new Set();
  }

  handle(spec: CellSpec, event: CellEvent): void {
    const { backend, variant, L } = spec;
    switch (event.kind) {
      case 'described':
        this.run.descriptions[backend] = event.description;
        this.run.infos[backend] = event.info;
        break;
      case 'skipped':
        for (const phase of spec.phases) {
          this.run.skipped.push({ backend, variant, phase, L, reason: event.reason, hugetlb: spec.hugetlb });
          this.progress.begin(`${backend} ${variant} ${phase} L=${L}`);
          this.endPhase(phase, `skipped: ${event.reason}`);
        }
        break;
      case 'phase-start':
        this.running = event.phase;
        this.progress.begin(`${backend} ${variant} ${event.phase} L=${L}`);
        break;
      case 'run': {
        const { warmup, done, planned, lastMs } = event.run;
        this.progress.update(`${warmup ? 'warm-up' : 'run'} ${done}/${planned}: ${lastMs.toFixed(1)} ms`);
        break;
      }
      case 'measured': {
        const m = event.measurement;
        this.run.measured.push({ backend, variant, phase: event.phase, L, measurement: m, hugetlb: spec.hugetlb, ...(event.extra === undefined ? {} : { extra: event.extra }) });
        this.endPhase(event.phase, `median ${m.medianMs.toFixed(1)} ms, min ${m.minMs.toFixed(1)} ms, ${m.samplesMs.length} runs, +${mib(m.peakExtraBytes)}`);
        break;
      }
      case 'fingerprint':
        this.run.fingerprints.push({ backend, variant, L, phase: event.phase, fingerprint: event.fingerprint, hugetlb: spec.hugetlb });
        break;
      case 'failed':
        this.fail(spec, event.phase, event.message);
        break;
    }
  }

  /** Marks every phase of the cell that produced nothing as failed (a crashed child). */
  failRemaining(spec: CellSpec, message: string): void {
    for (const phase of spec.phases) if (!this.ended.has(phase)) this.fail(spec, phase, message);
  }

  private fail(spec: CellSpec, phase: Phase | 'setup', message: string): void {
    const { backend, variant, L } = spec;
    const phases = phase === 'setup' ? spec.phases.filter((p) => !this.ended.has(p)) : [phase];
    for (const p of phases) this.run.failures.push({ backend, variant, phase: p, L, message, hugetlb: spec.hugetlb });
    if (phase === 'setup') {
      for (const p of phases) {
        this.progress.begin(`${backend} ${variant} ${p} L=${L}`);
        this.endPhase(p, `FAILED: ${message}`);
      }
    } else if (this.running === phase && !this.ended.has(phase)) {
      this.endPhase(phase, `FAILED: ${message}`);
    } else {
      this.progress.print(`${backend} ${variant} ${phase} L=${L}: ${message}`);
    }
  }

  private endPhase(phase: Phase, summary: string): void {
    this.ended.add(phase);
    this.running = undefined;
    this.progress.end(summary);
  }
}

async function runInProcess(plan: BenchPlan, cells: readonly CellSpec[], collector: Collector): Promise<void> {
  for (const entry of plan.backends) {
    const mine = cells.filter((c) => c.backend === entry.name);
    if (mine.length === 0) continue;
    let backend;
    try {
      backend = await entry.create();
      await backend.setup();
      collector.handle(mine[0] as CellSpec, { kind: 'described', description: backend.describe(), info: backend.info() });
    } catch (error) {
      for (const spec of mine) {
        collector.startCell();
        collector.handle(spec, error instanceof BackendSkipped
          ? { kind: 'skipped', reason: error.reason }
          : { kind: 'failed', phase: 'setup', message: `setup failed: ${errorMessage(error)}` });
      }
      continue;
    }
    for (const spec of mine) {
      collector.startCell();
      await runCell(backend, spec, (event) => collector.handle(spec, event));
    }
    await backend.dispose();
  }
}

const CELL_SCRIPT = fileURLToPath(new URL('./cell-process.ts', import.meta.url));

function runInChild(spec: CellSpec, collector: Collector): Promise<void> {
  return new Promise((resolve) => {
    // Every cell states its huge-page setting instead of inheriting whatever the shell had.
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (spec.hugetlb) env['GLIBC_TUNABLES'] = HUGETLB_TUNABLE;
    else delete env['GLIBC_TUNABLES'];
    const child = spawn(process.execPath, ['--expose-gc', ...process.execArgv, CELL_SCRIPT, JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let stderrTail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-2000);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith(CELL_EVENT_PREFIX)) collector.handle(spec, JSON.parse(line.slice(CELL_EVENT_PREFIX.length)) as CellEvent);
    });
    child.on('error', (error) => {
      collector.failRemaining(spec, `could not start the cell process: ${error.message}`);
      resolve();
    });
    child.on('close', (code, signal) => {
      if (code !== 0) {
        const why = signal !== null ? `killed by ${signal}` : `exit code ${code}`;
        const tail = stderrTail.trim().split('\n').slice(-3).join(' | ');
        collector.failRemaining(spec, `cell process ended (${why})${tail === '' ? '' : `: ${tail}`}`);
      }
      resolve();
    });
  });
}

/** Runs the plan; progress goes to `progress` (default: a bar on stderr). */
export async function runBench(plan: BenchPlan, progress?: ProgressBar): Promise<BenchRun> {
  const { cells, notes } = planCells(plan);
  const bar = progress ?? new ProgressBar(cells.reduce((n, c) => n + c.phases.length, 0));
  const collector = new Collector(bar);
  collector.run.notes.push(...notes);
  for (const note of notes) bar.print(`note: ${note}`);
  if (!plan.isolate && plan.hugetlb !== 'off') {
    throw new Error(`runBench: hugetlb '${plan.hugetlb}' needs isolated cells (glibc reads GLIBC_TUNABLES at process start); drop --in-process.`);
  }
  if (plan.isolate) {
    if (!process.execArgv.some((arg) => arg.includes('tsx'))) {
      throw new Error('runBench: isolated runs start `node <tsx loader> cell-process.ts`, but this process was not started by tsx; run through `pnpm bench` or pass --in-process.');
    }
    for (const spec of cells) {
      collector.startCell();
      await runInChild(spec, collector);
    }
  } else {
    await runInProcess(plan, cells, collector);
  }
  bar.finish();
  return collector.run;
}
