/**
 * Parallel launches: the cores of one launch run on worker threads (and the calling thread) instead of one
 * after another. Each core's work is independent by the hardware's own rules (a core sees only its UB, and
 * reading what another core writes in the same launch is a race), so the simulator can hand cores to threads
 * and still report exactly what a sequential launch reports:
 *
 * - every core runs in a context of its own thread, reset per core exactly as the sequential loop resets it,
 *   and its counters come back per core; the simulator merges them in core order (sums and maxima of whole
 *   numbers, so the totals are the sequential ones bit for bit);
 * - GM writes are not stamped in the write ledger on the thread: each core logs them (a write that continues
 *   one of its earlier writes extends that entry), and the simulator replays the logs into the launch's ledger
 *   in core order and only then adds them to the buffers' written runs. The ledger sees every core write
 *   exactly the elements it wrote in the sequential launch, each as many times, so a race or overwrite there
 *   is one here (only the runs, and so an error's wording, can differ; an error reruns the launch, below);
 * - any error on any thread (UB overflow, access, alignment, uninitialised read, a ledger error in the replay)
 *   makes the simulator run the whole launch again sequentially, which raises the sequential launch's own
 *   error with its own counters. A parallel launch therefore never reports anything a sequential one would not.
 *
 * GM is shared with the threads without copies: every buffer a launch names must live in a SharedArrayBuffer
 * (the simulator's own GM does; a host array adopted read-only is copied into one when it does not), else the
 * launch runs sequentially. Kernels opt in by naming a body the workers know (`ParallelBody`): closures do not
 * cross threads, so a worker looks the body up by name in the kernel table its entry module registered.
 *
 * This module is platform-neutral; the threads themselves (Node's worker_threads) belong to whoever supplies an
 * `NpuCorePool` (an op package that also supplies the worker's kernel table).
 */
import type { DmaCounters, GmWriteSink } from './dma.js';
import type { NpuDType, DTypeStorage } from './dtype.js';
import { CoreContext, type CoreCounts } from './core-context.js';
import { GmBuffer, registerGm } from './gm.js';
import { RunSet } from './run-set.js';
import type { KernelContext } from './sim.js';
import type { NpuSpec } from './spec.js';
import type { WasmArenaMemory } from './wasm-arena.js';

/** A kernel body the worker threads know by name, with its arguments (GM buffers and plain data). */
export interface ParallelBody {
  /** Key of the body in the workers' kernel table. */
  readonly name: string;
  /** The body's arguments: plain data (structured-cloneable) and GmBuffers, nested in objects and arrays. */
  readonly args: object;
}

/** A kernel body as a worker runs it: the core's context and the launch's arguments (GM buffers revived). */
export type ParallelKernel = (ctx: KernelContext, args: never) => void;

/** One GM buffer of a job: its identity and a view of its (shared) storage. */
export interface JobGm {
  readonly id: number;
  readonly name: string;
  readonly dtype: NpuDType;
  readonly shape: readonly number[];
  readonly length: number;
  readonly data: DTypeStorage;
  /** Written runs as pairs (poison mode), or null when the buffer is fully initialised. */
  readonly written: readonly number[] | null;
  readonly borrowed: 'read' | 'write' | null;
  /** `data` is a range of the simulator's shared memory (`NpuCoreJob.arena`), at its byteOffset there. */
  readonly inArena: boolean;
}

/**
 * The simulator's shared memory (npu-arena.ts) and the region of it each worker's UB arena takes (`ubBases[k]`
 * for worker k), so the workers' DMA copies GM in that memory with memory.copy. `generation` names the set of
 * regions: a worker rebuilds its core context when it changes (a region once given back may hold GM since).
 */
export interface JobArena {
  readonly memory: WasmArenaMemory;
  readonly generation: number;
  readonly ubBases: readonly number[];
}

/** A launch as the worker threads receive it. */
export interface NpuCoreJob {
  readonly spec: NpuSpec;
  readonly poison: boolean;
  readonly kernel: string;
  readonly tile: string;
  readonly cores: number;
  readonly body: string;
  readonly gms: readonly JobGm[];
  /** The body's arguments, GmBuffers replaced by `{ [GM_MARK]: index into gms }`. */
  readonly args: unknown;
  /** Where the workers' UB arenas go, or null: each worker's UB in a memory of its own. */
  readonly arena: JobArena | null;
}

/**
 * The GM writes of one core: entry k is entries[5k .. 5k + 5) = buffer (index into the job's gms),
 * start, count, and the indices in `names` of the op and of the UB buffer written from (of the entry's first
 * write). Writes that continue each other are one entry (CoreWriteLog). Packed in a typed array so a worker's
 * reply clones as one block (arrays of numbers and strings cost ~2 ms a step at L = 1024).
 */
export interface CoreWrites {
  readonly entries: Float64Array;
  readonly names: readonly string[];
}

/** Numbers per entry of CoreWrites. */
export const WRITE_ENTRY = 5;

/** One core's outcome. */
export interface NpuCoreResult {
  readonly core: number;
  readonly counts: CoreCounts;
  readonly writes: CoreWrites;
}

/**
 * The threads of parallel launches. `start` hands the job to every worker; the caller then claims cores with
 * `claim` and runs them too; `finish` waits for the workers and returns what they ran (or the first error).
 */
export interface NpuCorePool {
  /** Threads working on a launch, the calling thread included. */
  readonly threads: number;
  start(job: NpuCoreJob): void;
  /** The next core nobody has claimed, or -1. */
  claim(): number;
  /** Let no thread claim another core (the caller failed). */
  stop(): void;
  finish(): { readonly results: readonly NpuCoreResult[]; readonly error: string | null };
}

const GM_MARK = '__npuGm';

/**
 * Collects a core's GM writes for the replay (see CoreWrites). A write that starts exactly where an earlier
 * write of this core to the same buffer ended extends that entry instead of adding one: a kernel writes a
 * block's rows one channel after another, so at L = 1024 this turns ~25 k entries a step into ~1 k, and the
 * replay, which runs on the calling thread after every core, from ~4.5 ms a step to a fraction of one. The
 * entries still cover each element as many times as the writes did (an extended entry covers exactly the
 * elements of its writes, and writes that overlap stay apart), so the ledger finds a race or overwrite
 * exactly when the writes one by one would.
 */
export class CoreWriteLog implements GmWriteSink {
  readonly #entries: number[] = [];
  readonly #names: string[] = [];
  readonly #nameIndex = new Map<string, number>();
  /** Per buffer index: end of an entry -> that entry's index in #entries (the writes it may be extended by). */
  readonly #ends: Array<Map<number, number> | undefined> = [];
  constructor(private readonly index: ReadonlyMap<GmBuffer, number>) {}

  add(gm: GmBuffer, start: number, n: number, op: string, fromUb: string): void {
    const i = this.index.get(gm);
    // A buffer outside the job cannot be reached by the kernel (it holds no handle to it); refuse loudly anyway.
    if (i === undefined) throw new Error(`parallel launch: GM '${gm.name}' is not among the launch's buffers`);
    let ends = this.#ends[i];
    if (ends === undefined) this.#ends[i] = ends = new Map();
    const at = ends.get(start);
    if (at !== undefined) {
      ends.delete(start);
      this.#entries[at + 2]! += n;
      ends.set(start + n, at);
      return;
    }
    ends.set(start + n, this.#entries.length);
    this.#entries.push(i, start, n, this.name(op), this.name(fromUb));
  }

  private name(s: string): number {
    let k = this.#nameIndex.get(s);
    if (k === undefined) {
      k = this.#names.length;
      this.#names.push(s);
      this.#nameIndex.set(s, k);
    }
    return k;
  }

  get writes(): CoreWrites {
    return { entries: Float64Array.from(this.#entries), names: this.#names };
  }
}

/** Every GmBuffer in `args` (objects and arrays, any depth), each once, in the order met. */
export function collectGms(args: unknown, out: GmBuffer[] = [], seen = new Set<unknown>()): GmBuffer[] {
  if (args === null || typeof args !== 'object' || seen.has(args)) return out;
  seen.add(args);
  if (args instanceof GmBuffer) {
    out.push(args);
    return out;
  }
  if (ArrayBuffer.isView(args)) return out;
  for (const v of Array.isArray(args) ? args : Object.values(args)) collectGms(v, out, seen);
  return out;
}

/** `args` with each GmBuffer replaced by a mark of its index (`map`), or revived from marks (`revive`). */
export function replaceGms(args: unknown, map: (gm: GmBuffer) => unknown): unknown {
  if (args === null || typeof args !== 'object' || ArrayBuffer.isView(args)) return args;
  if (args instanceof GmBuffer) return map(args);
  if (Array.isArray(args)) return args.map((v) => replaceGms(v, map));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) out[k] = replaceGms(v, map);
  return out;
}

export function markGm(index: number): unknown {
  return { [GM_MARK]: index };
}

function revive(args: unknown, gms: readonly GmBuffer[]): unknown {
  if (args === null || typeof args !== 'object' || ArrayBuffer.isView(args)) return args;
  if (Array.isArray(args)) return args.map((v) => revive(v, gms));
  const mark = (args as Record<string, unknown>)[GM_MARK];
  if (typeof mark === 'number') return gms[mark]!;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) out[k] = revive(v, gms);
  return out;
}

/** Runs core `core` of a launch on `ctx` (reset first) and returns its counters. */
export function runCore(ctx: CoreContext, kernel: string, core: number, cores: number, tile: string, body: (ctx: KernelContext) => void): CoreCounts {
  ctx.begin(kernel, core, cores, tile);
  try {
    body(ctx);
    return ctx.counts();
  } finally {
    ctx.ub.reset();
  }
}

// A worker keeps one context per spec and UB region, and one key: the GM handles it rebuilds per job are registered under it.
const workerKey: object = Object.freeze({});
let workerCtx: { spec: string; ctx: CoreContext; poison: { on: boolean } } | null = null;

/**
 * The worker side of a parallel launch: rebuild the job's GM handles over the shared storage, then run the
 * cores `claim` hands out (until it returns -1) with the body `kernels[job.body]`, logging each core's writes.
 * `worker` is this thread's index among the pool's workers (its UB region in `job.arena`).
 */
export function runCoreJob(job: NpuCoreJob, kernels: Readonly<Record<string, ParallelKernel>>, claim: () => number, worker = 0): NpuCoreResult[] {
  const kernel = kernels[job.body];
  if (kernel === undefined) throw new Error(`parallel launch: the worker has no kernel body '${job.body}' (has ${Object.keys(kernels).join(', ')})`);
  const base = job.arena?.ubBases[worker];
  const place = job.arena !== null && base !== undefined ? { memory: job.arena.memory, base } : null;
  const specKey = `${JSON.stringify(job.spec)} ${place !== null ? job.arena!.generation : 'own'}`;
  if (workerCtx === null || workerCtx.spec !== specKey) {
    const poison = { on: job.poison };
    workerCtx = { spec: specKey, ctx: new CoreContext(job.spec, workerKey, () => poison.on, place), poison };
  }
  workerCtx.poison.on = job.poison;
  const ctx = workerCtx.ctx;
  const gms = job.gms.map((d) => {
    const gm = new GmBuffer(d.id, d.name, d.dtype, d.shape, d.length);
    // inArena only with this thread's UB in the same memory (the DMA copies with memory.copy only then anyway).
    registerGm(gm, { key: workerKey, data: d.data, written: d.written ? RunSet.fromPairs(d.written) : null, freed: false, borrowed: d.borrowed, inArena: d.inArena && place !== null });
    return gm;
  });
  const index = new Map(gms.map((gm, i) => [gm, i]));
  const args = revive(job.args, gms) as never;
  const results: NpuCoreResult[] = [];
  try {
    for (let core = claim(); core >= 0; core = claim()) {
      const log = new CoreWriteLog(index);
      ctx.sink = log;
      const counts = runCore(ctx, job.kernel, core, job.cores, job.tile, (c) => kernel(c, args));
      results.push({ core, counts, writes: log.writes });
    }
  } finally {
    ctx.sink = null;
  }
  return results;
}

/** Adds one core's counters into a launch's running sums, as the sequential loop does. */
export function addCounts(acc: LaunchSums, c: CoreCounts): void {
  const d: DmaCounters = c.dma;
  acc.read += d.readBytes;
  acc.write += d.writeBytes;
  acc.readBurst += d.readBurstBytes;
  acc.writeBurst += d.writeBurstBytes;
  acc.transfers += d.transfersIn + d.transfersOut;
  acc.elemOps += c.elemOps;
  acc.busiest = Math.max(acc.busiest, c.repeats + c.scalarOps);
  acc.peak = Math.max(acc.peak, c.ubPeakBytes);
}

export interface LaunchSums {
  read: number;
  write: number;
  readBurst: number;
  writeBurst: number;
  transfers: number;
  elemOps: number;
  busiest: number;
  peak: number;
}

export function emptySums(): LaunchSums {
  return { read: 0, write: 0, readBurst: 0, writeBurst: 0, transfers: 0, elemOps: 0, busiest: 0, peak: 0 };
}
