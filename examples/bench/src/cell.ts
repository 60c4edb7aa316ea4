/**
 * One benchmark cell: one backend, one variant, one L, its phases timed, then one untimed run for the
 * cross-check. The same code runs in the benchmark's process or in a fresh child (cell-process.ts).
 */
import { fingerprint, type Fingerprint } from './cross-check';
import { measure, type Measurement, type RunEvent } from './harness';
import { makeInputs, makeProblem, type ProblemSize } from './problem';
import type { BenchBackend, BenchInputs, Phase, PreparedRun, RuntimeInfo, Variant } from './types';

export interface MeasureSettings {
  readonly warmup: number;
  readonly repeats: number;
  readonly minTimeMs: number;
  /** Untimed runs until the warm-up adds up to this many ms (harness.ts MeasureOptions; GPU clocks). */
  readonly warmupMinMs?: number;
}

/** Everything a cell needs, JSON-serialisable so it can cross a process boundary. */
export interface CellSpec {
  readonly backend: string;
  readonly variant: Variant;
  readonly L: number;
  readonly phases: readonly Phase[];
  readonly size: ProblemSize;
  readonly seed: number;
  readonly measure: MeasureSettings;
  /** Run the op once more to fingerprint its results. */
  readonly check: boolean;
  /** Run with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (isolated cells only: glibc reads it at process start). */
  readonly hugetlb: boolean;
}

/** Marks event lines on a cell process's stdout (anything else there is the backend's own output). */
export const CELL_EVENT_PREFIX = '@@mta-bench ';

export type CellEvent =
  | { readonly kind: 'phase-start'; readonly phase: Phase }
  | { readonly kind: 'run'; readonly phase: Phase; readonly run: RunEvent }
  | { readonly kind: 'measured'; readonly phase: Phase; readonly measurement: Measurement; readonly extra?: Readonly<Record<string, number>> }
  | { readonly kind: 'failed'; readonly phase: Phase | 'setup'; readonly message: string }
  | { readonly kind: 'fingerprint'; readonly fingerprint: Fingerprint; readonly phase: Phase }
  | { readonly kind: 'described'; readonly description: string; readonly info: RuntimeInfo }
  | { readonly kind: 'skipped'; readonly reason: string };

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}

function labelOf(spec: CellSpec, phase: Phase): string {
  return `${spec.backend} ${spec.variant} ${phase} L=${spec.L}`;
}

/**
 * The last inputs made, kept for the next cell of the same (variant, L, size, seed): in-process runs of
 * several backends at one L then generate them once (at L = 8192 two 2 GiB arrays take tens of seconds).
 */
let lastInputs: { readonly key: string; readonly inputs: BenchInputs } | undefined;

function inputsFor(spec: CellSpec): BenchInputs {
  const key = JSON.stringify([spec.variant, spec.L, spec.size, spec.seed]);
  if (lastInputs?.key !== key) {
    lastInputs = undefined; // let the old arrays go before the new ones are made
    lastInputs = { key, inputs: makeInputs(makeProblem(spec.variant, spec.L, spec.size), spec.seed) };
  }
  return lastInputs.inputs;
}

/** Runs the cell on a backend that is already set up; reports through `emit`, never throws. */
export async function runCell(backend: BenchBackend, spec: CellSpec, emit: (event: CellEvent) => void): Promise<void> {
  const problem = makeProblem(spec.variant, spec.L, spec.size);
  const reason = backend.unsupported(problem);
  if (reason !== undefined) {
    emit({ kind: 'failed', phase: 'setup', message: `unsupported: ${reason}` });
    return;
  }
  let prepared: PreparedRun;
  try {
    prepared = await backend.prepare(inputsFor(spec));
  } catch (error) {
    emit({ kind: 'failed', phase: 'setup', message: `prepare failed: ${errorMessage(error)}` });
    return;
  }
  try {
    for (const phase of spec.phases) {
      emit({ kind: 'phase-start', phase });
      const fn = phase === 'forward' ? () => prepared.forward() : () => prepared.forwardBackward();
      try {
        const measurement = await measure(labelOf(spec, phase), fn, {
          ...spec.measure,
          ...(prepared.memoryUsage === undefined ? {} : { memoryUsage: () => prepared.memoryUsage!() }),
          onRun: (run) => emit({ kind: 'run', phase, run }),
        });
        emit({ kind: 'measured', phase, measurement, extra: prepared.extraInfo?.() });
      } catch (error) {
        emit({ kind: 'failed', phase, message: errorMessage(error) });
      }
    }
    if (spec.check && spec.phases.length > 0) {
      const phase: Phase = spec.phases.includes('forward+backward') ? 'forward+backward' : 'forward';
      try {
        emit({ kind: 'fingerprint', phase, fingerprint: fingerprint(await prepared.results(phase)) });
      } catch (error) {
        emit({ kind: 'failed', phase, message: `cross-check run failed: ${errorMessage(error)}` });
      }
    }
  } finally {
    await prepared.dispose();
  }
}
