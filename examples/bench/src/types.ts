/**
 * The vocabulary shared by the benchmark's runner, backends and reports: what one benchmark case is,
 * what a backend must implement, and what a measured row looks like.
 */

import type { MtaShape } from '@mta/ops-mta';

export type Variant = 'softmax' | 'sparse';
export type Phase = 'forward' | 'forward+backward';
export const VARIANTS: readonly Variant[] = ['softmax', 'sparse'];
export const PHASES: readonly Phase[] = ['forward', 'forward+backward'];

/** The sizes of one bench cell: `MtaShape`, so backends built on our ops pass it through. */
export type BenchShape = MtaShape;

/** Same fields as `MtaConfig` in @mta/ops-mta; the benchmark runs the post-softmax op only. */
export interface BenchConfig {
  readonly mode: 'post';
  readonly sparse: boolean;
  /** [top, bottom, left, right] */
  readonly pads: readonly [number, number, number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

export interface BenchProblem {
  readonly variant: Variant;
  readonly shape: BenchShape;
  readonly config: BenchConfig;
  readonly bias: boolean;
}

/** Host inputs of one case, NCHW float32, identical for every backend (seeded). */
export interface BenchInputs {
  readonly problem: BenchProblem;
  /** (B, Cin, L, L) */
  readonly scores: Float32Array;
  /** (Cout, Cin / groups, kH, kW) */
  readonly weight: Float32Array;
  /** (Cout) when problem.bias */
  readonly bias: Float32Array | undefined;
  /** (B, Cout, L, L): the output gradient for forward+backward. */
  readonly gradOut: Float32Array;
}

/** Results copied back to JS for the cross-check; gradients only after a forward+backward. */
export interface HostResults {
  readonly out: Float32Array;
  readonly gradScores?: Float32Array;
  readonly gradWeight?: Float32Array;
  readonly gradBias?: Float32Array;
}

/**
 * One case loaded into a backend. Uploading inputs is `BenchBackend.prepare`'s job and is not timed;
 * the timed calls run the op only.
 */
export interface PreparedRun {
  /** Computes the output; returns once it exists in the backend's memory (no read back to JS). */
  forward(): void | Promise<void>;
  /** Computes the output and the gradients of sum(out * gradOut) for scores, weight and bias. */
  forwardBackward(): void | Promise<void>;
  /** Untimed: runs `phase` once more and copies its results to JS. */
  results(phase: Phase): Promise<HostResults>;
  dispose(): void | Promise<void>;
  /** Device counters about the last run (e.g. the npu simulator's GM traffic), shown next to its timing. */
  extraInfo?(): Readonly<Record<string, number>> | undefined;
}

/** A live backend: created by its registry entry, set up once per process. */
export interface BenchBackend {
  /** One line about the runtime actually in use (version, SIMD, threads), valid after `setup`. */
  describe(): string;
  /** Why this backend cannot run `problem`, or undefined if it can. */
  unsupported(problem: BenchProblem): string | undefined;
  setup(): Promise<void>;
  prepare(inputs: BenchInputs): Promise<PreparedRun>;
  dispose(): Promise<void>;
}

/**
 * A registry entry (backends/index.ts): what the runner needs to know before loading the backend.
 * `create` imports the implementation lazily, so picking one backend never loads the others' runtimes.
 */
export interface BenchBackendEntry {
  /** Unique, used in --backends, results and charts. */
  readonly name: string;
  /** 'peer': another library we compare against; 'ours': this project's implementations. */
  readonly kind: 'peer' | 'ours';
  readonly summary: string;
  readonly phases: readonly Phase[];
  /** Largest L run unless --no-cap: for peers too slow to run everywhere. */
  readonly defaultMaxL?: number;
  /**
   * Runs only when --backends names it, with why (a WebGPU adapter: on a machine without one every cell would
   * fail, and the default run must stay green where it always was).
   */
  readonly optIn?: string;
  /** Timed repeats for this backend when the user gave no --repeats (slow backends use fewer). */
  readonly repeats?: number;
  create(): Promise<BenchBackend>;
}

/** One measured (backend, variant, phase, L). Times in milliseconds. */
export interface BenchResult {
  readonly backend: string;
  readonly variant: Variant;
  readonly phase: Phase;
  readonly L: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly samplesMs: readonly number[];
  /**
   * The phase's first run (the first warm-up) in its process: one-time costs included (pipeline or kernel
   * compilation, autotuning). Null when no warm-up ran. In-process runs share what an earlier phase compiled.
   */
  readonly firstCallMs: number | null;
  /** Memory the runs added on top of what existed before them; see harness.ts for the method. */
  readonly peakExtraBytes: number;
  /** medianMs / the fastest peer's medianMs for the same variant, phase and L; null if no peer ran. */
  readonly ratioToPeer: number | null;
  /** The fastest peer for that cell. */
  readonly peer: string | null;
  /** Sampled relative difference of the results from the reference backend's (cross-check). */
  readonly checkRelErr: number | null;
  readonly checkAgainst: string | null;
  /** The backend's `extraInfo()` after the phase's last timed run. */
  readonly extra?: Readonly<Record<string, number>>;
}

export interface BenchFailure {
  readonly backend: string;
  readonly variant: Variant;
  readonly phase: Phase | 'setup';
  readonly L: number;
  readonly message: string;
}
