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
  /**
   * For a runtime in another process (PyTorch): that process's memory, so the harness applies the same
   * formula to it as to in-process backends (see harness.ts). In-process backends leave it out.
   */
  memoryUsage?(): Promise<ProcessMemory>;
}

/** Bytes: resident set now, its high-water mark (getrusage maxRSS) and JS typed-array bytes (0 outside Node). */
export interface ProcessMemory {
  readonly rss: number;
  readonly maxRss: number;
  readonly arrayBuffers: number;
}

/** What ran a row, stated on every row: runtime (library, version, engine), threads, SIMD. */
export interface RuntimeInfo {
  readonly runtime: string;
  readonly threads: number;
  /** e.g. 'wasm SIMD128 f32x4, mul+add', 'native (oneDNN, AVX2)', 'none (plain JS)'. */
  readonly simd: string;
}

/** A backend that cannot run on this machine at all (a missing runtime): its rows say skipped, with why. */
export class BackendSkipped extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'BackendSkipped';
  }
}

/** A live backend: created by its registry entry, set up once per process. */
export interface BenchBackend {
  /** One line about the runtime actually in use (version, SIMD, threads), valid after `setup`. */
  describe(): string;
  /** The same as fields, valid after `setup`. */
  info(): RuntimeInfo;
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
   * Runs only when --backends (or, for a peer, --peers) names it, with why (a WebGPU adapter: on a machine
   * without one every cell would fail; PyTorch: an optional python3 install).
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
  /** What ran the row (RuntimeInfo of the backend in the cell's process). */
  readonly runtime: string;
  readonly threads: number;
  readonly simd: string;
  /** The cell ran with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (huge pages for large allocations). */
  readonly hugetlb: boolean;
  /** The arithmetic floor of this cell (see floor.ts) and medianMs / floorMs. */
  readonly floorMs: number;
  readonly ratioToFloor: number;
}

export interface BenchFailure {
  readonly backend: string;
  readonly variant: Variant;
  readonly phase: Phase | 'setup';
  readonly L: number;
  readonly message: string;
  readonly hugetlb: boolean;
}

/** A cell that did not run because its backend's runtime is missing here: not a pass, not a failure. */
export interface BenchSkip {
  readonly backend: string;
  readonly variant: Variant;
  readonly phase: Phase;
  readonly L: number;
  readonly reason: string;
  readonly hugetlb: boolean;
}
