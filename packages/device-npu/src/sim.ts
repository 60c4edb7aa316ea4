/**
 * The simulator: GM buffers, kernel launches on N vector cores, and a record of the recent launches (plus
 * running totals of all of them) for explain().
 *
 * A kernel is a function run once per core with a `KernelContext`. The context is the kernel's whole world:
 * its core id, its UB (allocator + vector unit) and its DMA engine. Host-side GM access (`upload`,
 * `download`, ...) is refused while a kernel runs, and GM storage is keyed to this simulator's private key,
 * so kernel code cannot read or write GM except by copyIn/copyOut.
 *
 * Cores run one after another, each starting with an empty UB; with a core pool (`corePool`), a launch whose
 * kernel names a body the pool's workers know runs its cores on several threads and reports exactly what the
 * sequential run reports (parallel.ts). The time
 * estimate treats them as parallel: memory time is total bursts over the shared GM bandwidth, vector time is
 * the busiest core's cycles. A double-buffered launch (its plan holds BUFFER_NUM = 2 copies of the streamed
 * buffers) overlaps the two and takes the larger; a single-buffered one waits for each transfer, so it takes
 * their sum. Both are recorded, with a fixed launch overhead added.
 *
 * In poison mode every launch keeps a write ledger (write-ledger.ts): two cores writing the same GM element
 * is a GmWriteRaceError, one core writing an element twice a GmOverwriteError.
 */
import { CachingAllocator } from '@mta/core';
import {
  BFLOAT16_NAN_BITS, FLOAT16_NAN_BITS, type DTypeStorage, type NpuDType, decodeHalf, encodeHalf, toBfloat16Bits, toFloat16Bits,
} from './dtype.js';
import type { DmaPadding } from './dma.js';
import { CoreContext, type CoreCounts } from './core-context.js';
import {
  CoreWriteLog, WRITE_ENTRY, type JobGm, type LaunchSums, type NpuCoreJob, type NpuCorePool, type NpuCoreResult, type ParallelBody,
  addCounts, collectGms, emptySums, markGm, replaceGms, runCore,
} from './parallel.js';
import { NpuAccessError, UnwrittenOutputError } from './errors.js';
import { GmBuffer, type GmStorage, gmStorage, registerGm, shapeLength, unflatten } from './gm.js';
import { type ExplainReport, buildExplain } from './explain.js';
import { LaunchLog, type GroupRecord, type LaunchRecord, type LaunchTotals } from './launch-records.js';
import { type NpuSpec, makeNpuSpec, validateSpec } from './spec.js';
import type { UbAllocOptions, UbBuf } from './ub.js';
import type { VectorUnit } from './vector.js';
import { RunSet } from './run-set.js';
import { npuArena, takeUbPlace } from './npu-arena.js';
import type { ArenaPlace } from './wasm-arena.js';
import { WriteLedger } from './write-ledger.js';

export interface KernelContext {
  readonly kernel: string;
  readonly coreId: number;
  readonly coreCount: number;
  readonly spec: NpuSpec;
  /** The vector unit: arithmetic on float32 UB buffers. */
  readonly v: VectorUnit;
  alloc(name: string, elems: number, options?: UbAllocOptions): UbBuf;
  free(buf: UbBuf): void;
  /** GM -> UB (DataCopy: whole 32-byte blocks; dtypes must match; stage half data through a half UB buffer and cast). */
  copyIn(dst: UbBuf, dstOff: number, src: GmBuffer, srcOff: number, count: number): void;
  /** UB -> GM (DataCopy: GM address, UB address and length in whole 32-byte blocks). */
  copyOut(dst: GmBuffer, dstOff: number, src: UbBuf, srcOff: number, count: number): void;
  /** GM -> UB with DataCopyPad: every GM address and length; aligned UB address; pads the UB side. */
  copyInPad(dst: UbBuf, dstOff: number, src: GmBuffer, srcOff: number, count: number, pad?: DmaPadding): void;
  /** UB -> GM with DataCopyPad: exactly `count` elements to any GM address, from an aligned UB address. */
  copyOutPad(dst: GmBuffer, dstOff: number, src: UbBuf, srcOff: number, count: number): void;
  /** Describe the tile being processed (appears in UbOverflowError). */
  setTile(label: string): void;
}

export interface LaunchInfo {
  readonly kernel: string;
  /** Human-readable plan of this launch (tile sizes, passes), shown by explain(). */
  readonly plan: string;
  readonly cores: number;
  /** Outputs every element of which this kernel must write (checked in poison mode). */
  readonly outputs?: readonly GmBuffer[];
  /** Bytes the math of this kernel must read / write at least (declared by the launcher). */
  readonly minReadBytes?: number;
  readonly minWriteBytes?: number;
  /** Initial tile label for error messages. */
  readonly tile?: string;
  /**
   * Whether the kernel's plan double-buffers its streamed buffers (BUFFER_NUM = 2): the time estimate then
   * overlaps DMA with compute. Default false: transfers and compute add up.
   */
  readonly doubleBuffered?: boolean;
}

export interface SimulatorOptions {
  /** Poison mode (default true): outputs start as NaN, unwritten outputs and uninitialised reads throw. */
  readonly poison?: boolean;
  /**
   * Most launches (and op groups) kept for explain() (default 256). Older ones are dropped; running totals
   * count them all, so a long run holds a bounded log instead of ~0.7 KB per launch forever.
   */
  readonly recordLimit?: number;
  /** Most bytes of freed GM (and write-ledger block maps) kept for reuse (default 16 MiB); the oldest go first. */
  readonly maxPooledBytes?: number;
  /**
   * Let the GM pools keep up to the peak working set when that exceeds maxPooledBytes (default true), as the
   * cpu device's allocator does: an L = 1024 call's maps are 32 MiB each, and fresh pages cost ~100 ms per
   * 32 MiB on first touch, so without it every call pays for its GM again. The pools never hold more than
   * max(peak working set, live + maxPooledBytes).
   */
  readonly retainPeak?: boolean;
  /**
   * Poison mode's write ledger also refuses two cores writing *different* elements of one 32-byte GM block in
   * a launch (default false). The default ledger is per element: DataCopyPad writes exactly its elements, so
   * two cores may share a block at an unaligned boundary. Turn this on to require block-aligned core splits.
   */
  readonly exclusiveBlocks?: boolean;
  /**
   * Threads for launches that name a parallel body (parallel.ts); null or absent: every launch runs its cores
   * one after another on the calling thread. Settable later (`corePool`).
   */
  readonly corePool?: NpuCorePool | null;
  /**
   * Called with each core's counters once its launch has run, in core order, whether the cores ran here or on
   * threads (tests compare the two per core).
   */
  readonly onCoreCounts?: (kernel: string, core: number, counts: CoreCounts) => void;
}

/** Generations of worker UB regions (NpuCoreJob.arena): a worker rebuilds its core context when it changes. */
let nextArenaGeneration = 1;

/** Whether `array` lives in a SharedArrayBuffer (false where there are none: browsers that are not cross-origin isolated). */
function isShared(array: DTypeStorage): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && array.buffer instanceof SharedArrayBuffer;
}

export class NpuSimulator {
  readonly spec: NpuSpec;
  poison: boolean;
  readonly #key: object = Object.freeze({});
  #running: string | null = null;
  #nextId = 1;
  // GM and the ledger's block maps come from size-classed, capped pools: shapes that vary call to call reuse buffers
  // instead of growing one exact-length list per shape.
  readonly #gmPool: CachingAllocator;
  readonly #sharedGmPool: CachingAllocator;
  readonly #bitmapPool: CachingAllocator;
  readonly #core: CoreContext;
  /** The calling thread's core context with its UB in the shared memory (made once a core pool is set). */
  #sharedCore: CoreContext | null = null;
  /** UB regions in the shared memory for the pool's workers, by worker index, and their generation. */
  #workerPlaces: { readonly generation: number; readonly places: readonly ArenaPlace[] } | null = null;
  readonly #log: LaunchLog;
  readonly #exclusiveBlocks: boolean;
  #groupStack: GroupRecord[] = [];
  /** Threads for parallel launches; null: sequential. */
  corePool: NpuCorePool | null;
  readonly #onCoreCounts: ((kernel: string, core: number, counts: CoreCounts) => void) | null;

  constructor(spec: NpuSpec = makeNpuSpec(), options: SimulatorOptions = {}) {
    validateSpec(spec);
    this.spec = spec;
    this.poison = options.poison ?? true;
    const pooled = options.maxPooledBytes ?? 16 * 2 ** 20;
    const retainPeak = options.retainPeak ?? true;
    this.#gmPool = new CachingAllocator(pooled, Number.POSITIVE_INFINITY, retainPeak);
    // With a core pool, GM lives in the shared wasm memory of npu-arena.ts (sharedAboveBytes 0; a
    // SharedArrayBuffer where it has no room), which the threads of a parallel launch read and write in place,
    // and where the UB arenas of the cores copy to and from it with wasm memory.copy (dma.ts).
    this.#sharedGmPool = new CachingAllocator(pooled, 0, retainPeak, npuArena);
    this.#bitmapPool = new CachingAllocator(pooled / 4, Number.POSITIVE_INFINITY, retainPeak);
    this.#log = new LaunchLog(options.recordLimit ?? 256);
    this.#exclusiveBlocks = options.exclusiveBlocks ?? false;
    this.#core = new CoreContext(spec, this.#key, () => this.poison);
    this.corePool = options.corePool ?? null;
    this.#onCoreCounts = options.onCoreCounts ?? null;
  }

  private hostGuard(op: string): void {
    if (this.#running !== null) {
      throw new NpuAccessError(`host ${op} of GM while kernel '${this.#running}' runs; kernels reach GM only through copyIn/copyOut`);
    }
  }

  private takeStorage(dtype: NpuDType, length: number): DTypeStorage {
    const pool = this.corePool !== null ? this.#sharedGmPool : this.#gmPool;
    return dtype === 'float32' ? pool.alloc('float32', length) : pool.alloc('float16', length);
  }

  private takeBitmap(length: number): Uint8Array {
    return this.#bitmapPool.alloc('bool', length, true);
  }

  /** Bytes of freed GM (and ledger block maps) held for reuse. */
  get pooledBytes(): number {
    return this.#gmPool.stats.pooledBytes + this.#sharedGmPool.stats.pooledBytes + this.#bitmapPool.stats.pooledBytes;
  }

  /** Drops every pooled GM buffer and block map (what `device.memoryStats()`'s emptyCache does for tensors). */
  emptyCache(): void {
    this.#gmPool.emptyCache();
    this.#sharedGmPool.emptyCache();
    this.#bitmapPool.emptyCache();
  }

  /**
   * A GM buffer for a kernel to write. In poison mode it starts as NaN and every element must be written
   * before anything reads it; otherwise it starts as zero.
   *
   * (The NaN is written lazily: while a buffer keeps its written runs, an unwritten element is NaN by
   * definition; kernels cannot read it (UninitializedReadError) and every host view of the data - download,
   * a failed output check, freeing an adopted output - first fills the unwritten elements with NaN. An L = 1024
   * map is 32 MiB: filling it at alloc cost as much as the kernel's own writes.)
   */
  alloc(name: string, dtype: NpuDType, shape: readonly number[]): GmBuffer {
    this.hostGuard('alloc');
    const length = shapeLength(shape, `alloc '${name}'`);
    const data = this.takeStorage(dtype, length);
    // Poison mode: what was written is tracked as runs; the rest is NaN (see poisonHoles), no fill now.
    const written = this.poison ? new RunSet() : null;
    if (!this.poison) data.fill(0);
    const gm = new GmBuffer(this.#nextId++, name, dtype, [...shape], length);
    registerGm(gm, { key: this.#key, data, written, freed: false, borrowed: null, inArena: npuArena.owns(data) });
    return gm;
  }

  /**
   * A GM buffer over the host array `data` itself, without a copy: what the device's tensors stand for when
   * their memory is the device's. 'read': an input; its values are the GM contents and a kernel writing it is
   * an NpuAccessError (the host array is the caller's). 'write': an output the kernels fill, treated exactly as
   * `alloc` treats a new buffer (NaN and tracked written runs in poison mode), so the results land in `data`.
   * `data` holds exactly the buffer's elements (float32 values, or float16/bfloat16 bit patterns); freeing the
   * buffer hands it back untouched by the pools.
   */
  adopt(name: string, dtype: NpuDType, shape: readonly number[], data: DTypeStorage, access: 'read' | 'write'): GmBuffer {
    this.hostGuard('adopt');
    const length = shapeLength(shape, `adopt '${name}'`);
    const kind = dtype === 'float32' ? Float32Array : Uint16Array;
    if (!(data instanceof kind) || data.length !== length) {
      throw new Error(`adopt '${name}': expected a ${kind.name} of ${length} elements for ${dtype} [${shape.join(', ')}], got ${data.constructor.name} of ${data.length}`);
    }
    let written: RunSet | null = null;
    if (access === 'write') {
      if (this.poison) written = new RunSet();
      else data.fill(0);
    }
    const gm = new GmBuffer(this.#nextId++, name, dtype, [...shape], length);
    registerGm(gm, { key: this.#key, data, written, freed: false, borrowed: access, inArena: npuArena.owns(data) });
    return gm;
  }

  /** A GM buffer holding `values` (rounded to `dtype`, nearest even). */
  upload(name: string, dtype: NpuDType, shape: readonly number[], values: ArrayLike<number>): GmBuffer {
    this.hostGuard('upload');
    const length = shapeLength(shape, `upload '${name}'`);
    if (values.length !== length) {
      throw new Error(`upload '${name}': shape [${shape.join(', ')}] has ${length} elements but ${values.length} values were given`);
    }
    const data = this.takeStorage(dtype, length);
    const gm = new GmBuffer(this.#nextId++, name, dtype, [...shape], length);
    registerGm(gm, { key: this.#key, data, written: null, freed: false, borrowed: null, inArena: npuArena.owns(data) });
    this.write(gm, values);
    return gm;
  }

  /** Host write of a whole buffer (marks it initialised). */
  write(gm: GmBuffer, values: ArrayLike<number>): void {
    this.hostGuard('write');
    const s = gmStorage(gm, this.#key);
    if (values.length !== gm.length) throw new Error(`write '${gm.name}': expected ${gm.length} values, got ${values.length}`);
    if (s.borrowed === 'read') throw new NpuAccessError(`write '${gm.name}': it is a read-only host array adopted as GM; adopt it for 'write' or upload a copy`);
    if (s.data instanceof Float32Array) {
      s.data.set(values);
    } else {
      // float32 sources take the fast bit path; other numbers round once, double -> half.
      if (values instanceof Float32Array) encodeHalf(gm.dtype as 'float16' | 'bfloat16', values, 0, s.data, 0, gm.length);
      else {
        const toBits = gm.dtype === 'float16' ? toFloat16Bits : toBfloat16Bits;
        for (let i = 0; i < gm.length; i++) s.data[i] = toBits(values[i]!);
      }
    }
    s.written = null;
  }

  /** Fills the elements no write covered with NaN: what alloc's poison promised, made visible. */
  private poisonHoles(gm: GmBuffer, s: GmStorage): void {
    const w = s.written;
    if (!w || w.covered === gm.length) return;
    const nan = gm.dtype === 'float32' ? NaN : gm.dtype === 'float16' ? FLOAT16_NAN_BITS : BFLOAT16_NAN_BITS;
    for (const [start, end] of w.gaps(gm.length)) s.data.fill(nan, start, end);
  }

  private recycleBitmap(w: Uint8Array): void {
    this.#bitmapPool.free('bool', w);
  }

  /** The write ledger's block-owner maps (exclusiveBlocks) come from a pool (zeroed) and go back after the launch. */
  readonly #ledgerArrays = {
    take: (length: number): Uint8Array => this.takeBitmap(length),
    give: (array: Uint8Array): void => this.recycleBitmap(array),
  };

  /** Host read of a whole buffer as float32 values (half formats decoded exactly). */
  download(gm: GmBuffer): Float32Array {
    this.hostGuard('download');
    const s = gmStorage(gm, this.#key);
    this.poisonHoles(gm, s);
    if (s.data instanceof Float32Array) return s.data.slice();
    const out = new Float32Array(gm.length);
    decodeHalf(gm.dtype as 'float16' | 'bfloat16', s.data, 0, out, 0, gm.length);
    return out;
  }

  /**
   * Host read of a whole buffer as float32 values straight into `dst` at `offset` (no intermediate copy):
   * what a device-to-host copy into an existing host tensor does.
   */
  downloadInto(gm: GmBuffer, dst: Float32Array, offset = 0): void {
    this.hostGuard('downloadInto');
    if (!Number.isInteger(offset) || offset < 0 || offset + gm.length > dst.length) {
      throw new Error(`downloadInto '${gm.name}': ${gm.length} values do not fit in a destination of ${dst.length} at offset ${offset}; pass a Float32Array with room for them`);
    }
    const s = gmStorage(gm, this.#key);
    this.poisonHoles(gm, s);
    if (s.data instanceof Float32Array) dst.set(s.data, offset);
    else decodeHalf(gm.dtype as 'float16' | 'bfloat16', s.data, 0, dst, offset, gm.length);
  }

  /** Host read of the raw storage (float32 values or 16-bit patterns), copied. */
  downloadRaw(gm: GmBuffer): Float32Array | Uint16Array {
    this.hostGuard('downloadRaw');
    const s = gmStorage(gm, this.#key);
    this.poisonHoles(gm, s);
    return s.data.slice();
  }

  /** How many elements were never written (poison mode); 0 when fully initialised or poison is off. */
  unwrittenCount(gm: GmBuffer): number {
    this.hostGuard('unwrittenCount');
    const w = gmStorage(gm, this.#key).written;
    return w ? gm.length - w.covered : 0;
  }

  /** Return a buffer's memory to the simulator's pool (later allocations of the same size reuse it). */
  free(gm: GmBuffer): void {
    this.hostGuard('free');
    const s = gmStorage(gm, this.#key);
    s.freed = true;
    if (s.borrowed === null) {
      const pool = isShared(s.data) ? this.#sharedGmPool : this.#gmPool;
      pool.free(gm.dtype === 'float32' ? 'float32' : 'float16', s.data);
    }
    // The host keeps an adopted output's array: it shows NaN where nothing was written, as alloc promised.
    else if (s.borrowed === 'write') this.poisonHoles(gm, s);
    s.written = null;
  }

  /** Run `fn` as one logical op: its launches are summed in explain() against the op's own minimum traffic. */
  group<T>(name: string, minimum: { readBytes: number; writeBytes: number }, fn: () => T): T {
    const g: GroupRecord = { name, minReadBytes: minimum.readBytes, minWriteBytes: minimum.writeBytes, launches: [] };
    this.#log.addGroup(g);
    this.#groupStack.push(g);
    try {
      return fn();
    } finally {
      this.#groupStack.pop();
    }
  }

  /**
   * Run `body` once per core. Throws the first UbOverflowError / access error / UnwrittenOutputError.
   * `parallel` names the same body for the worker threads of `corePool` (parallel.ts): with a pool, the cores
   * run there and the record is the sequential one; without one (or when the launch cannot be shared with the
   * threads) `body` runs every core here.
   */
  launch(info: LaunchInfo, body: (ctx: KernelContext) => void, parallel?: ParallelBody): LaunchRecord {
    this.hostGuard('launch');
    if (!Number.isInteger(info.cores) || info.cores < 1) {
      throw new Error(`launch '${info.kernel}': cores must be a positive integer, got ${info.cores}`);
    }
    const ctx = this.context();
    const t0 = performance.now();
    let sums: LaunchSums = emptySums();
    let error: unknown = null;
    const tile = info.tile ?? info.plan;
    this.#running = info.kernel;
    const newLedger = (): WriteLedger | null => (this.poison ? new WriteLedger(info.kernel, this.spec.alignmentBytes, this.#exclusiveBlocks, this.#ledgerArrays) : null);
    let ledger = newLedger();
    try {
      const pool = this.corePool;
      const job = parallel !== undefined && pool !== null && pool.threads > 1 && info.cores > 1 ? this.coreJob(info, tile, parallel, pool.threads - 1) : null;
      const shared = job !== null && pool !== null ? this.runParallel(pool, job, body, ledger) : null;
      if (shared !== null) sums = shared;
      else {
        if (job !== null) {
          // The parallel run failed somewhere: run the launch again as the sequential simulator does, from a
          // clean ledger, so the error (or success) and its counters are exactly the sequential ones.
          ledger?.release();
          ledger = newLedger();
        }
        ctx.ledger = ledger;
        for (let core = 0; core < info.cores; core++) {
          ctx.begin(info.kernel, core, info.cores, tile);
          let ok = false;
          try {
            body(ctx);
            ok = true;
          } finally {
            const counts = ctx.counts();
            addCounts(sums, counts);
            ctx.ub.reset();
            if (ok) this.#onCoreCounts?.(info.kernel, core, counts);
          }
        }
      }
    } catch (e) {
      error = e;
    } finally {
      this.#running = null;
      ctx.ledger = null;
      ctx.sink = null;
      ledger?.release();
    }
    const { read, write, readBurst, writeBurst, transfers, elemOps, busiest, peak } = sums;
    if (error === null && this.poison) {
      try {
        for (const out of info.outputs ?? []) this.checkWritten(info.kernel, out);
      } catch (e) {
        error = e;
      }
    }
    const gmSeconds = (readBurst + writeBurst) / this.spec.gmBytesPerSecond;
    const vectorSeconds = busiest / this.spec.clockHz;
    const doubleBuffered = info.doubleBuffered ?? false;
    const overlapped = Math.max(gmSeconds, vectorSeconds) + this.spec.launchOverheadSeconds;
    const serial = gmSeconds + vectorSeconds + this.spec.launchOverheadSeconds;
    const record: LaunchRecord = {
      kernel: info.kernel,
      group: this.#groupStack.length ? this.#groupStack[this.#groupStack.length - 1]!.name : null,
      plan: info.plan,
      cores: info.cores,
      ubCapacityBytes: this.spec.ubBytes,
      ubPeakBytes: peak,
      gmReadBytes: read,
      gmWriteBytes: write,
      gmReadBurstBytes: readBurst,
      gmWriteBurstBytes: writeBurst,
      transfers,
      minReadBytes: info.minReadBytes ?? null,
      minWriteBytes: info.minWriteBytes ?? null,
      vectorElemOps: elemOps,
      busiestCoreCycles: busiest,
      estGmSeconds: gmSeconds,
      estVectorSeconds: vectorSeconds,
      doubleBuffered,
      estSeconds: doubleBuffered ? overlapped : serial,
      estSingleBufferedSeconds: serial,
      estDoubleBufferedSeconds: overlapped,
      wallMs: performance.now() - t0,
      error: error === null ? null : error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
    const index = this.#log.addLaunch(record);
    for (const g of this.#groupStack) g.launches.push(index);
    if (error !== null) throw error;
    return record;
  }

  /**
   * The calling thread's core context: with a core pool, one whose UB is a region of the shared memory that
   * holds GM then (DMA by memory.copy), else the private one. Both count and check exactly alike.
   */
  private context(): CoreContext {
    if (this.corePool === null) return this.#core;
    if (this.#sharedCore === null) {
      const place = takeUbPlace(this.spec.ubBytes);
      if (place === null) return this.#core;
      this.#sharedCore = new CoreContext(this.spec, this.#key, () => this.poison, place);
    }
    return this.#sharedCore;
  }

  /**
   * UB regions of the shared memory for `workers` worker threads (index k for worker k), kept for the
   * simulator's life (they return to the arena when it is collected); a new set, with a new generation, when
   * the pool has more workers than the last set. null where the memory has no room.
   */
  private workerArenas(workers: number): NpuCoreJob['arena'] {
    const memory = npuArena.memory;
    if (memory === null || workers < 1) return null;
    let w = this.#workerPlaces;
    if (w === null || w.places.length < workers) {
      const places: ArenaPlace[] = [];
      for (let k = 0; k < workers; k++) {
        const place = takeUbPlace(this.spec.ubBytes);
        if (place === null) return null;
        places.push(place);
      }
      w = this.#workerPlaces = { generation: nextArenaGeneration++, places };
    }
    return { memory, generation: w.generation, ubBases: w.places.map((p) => p.base) };
  }

  /**
   * The launch as the worker threads receive it, or null when a buffer it names cannot be shared: GM must be in
   * a SharedArrayBuffer; a read-only adopted host array that is not is copied into one (inputs only: a copy of
   * a buffer the kernel writes would lose its writes).
   */
  private coreJob(info: LaunchInfo, tile: string, parallel: ParallelBody, workers: number): { job: NpuCoreJob; handles: readonly GmBuffer[] } | null {
    const gms = collectGms(parallel.args);
    const descs: JobGm[] = [];
    for (const gm of gms) {
      const s = gmStorage(gm, this.#key);
      let data = s.data;
      if (!isShared(data)) {
        if (s.borrowed !== 'read') return null;
        const copy = data instanceof Float32Array
          ? new Float32Array(new SharedArrayBuffer(data.byteLength))
          : new Uint16Array(new SharedArrayBuffer(data.byteLength));
        copy.set(data);
        data = copy;
      }
      descs.push({
        id: gm.id, name: gm.name, dtype: gm.dtype, shape: gm.shape, length: gm.length, data, written: s.written ? s.written.toPairs() : null, borrowed: s.borrowed,
        inArena: data === s.data && s.inArena,
      });
    }
    const index = new Map(gms.map((gm, i) => [gm, i]));
    const args = replaceGms(parallel.args, (gm) => markGm(index.get(gm)!));
    const arena = this.workerArenas(workers);
    return { job: { spec: this.spec, poison: this.poison, kernel: info.kernel, tile, cores: info.cores, body: parallel.name, gms: descs, args, arena }, handles: gms };
  }

  /**
   * Runs the job's cores on the pool's threads and this one, replays every core's GM writes into the ledger in
   * core order and then into the written runs, and returns the summed counters; null when anything failed (the
   * caller runs the launch sequentially).
   */
  private runParallel(pool: NpuCorePool, { job, handles }: { job: NpuCoreJob; handles: readonly GmBuffer[] }, body: (ctx: KernelContext) => void, ledger: WriteLedger | null): LaunchSums | null {
    const ctx = this.context();
    const index = new Map(handles.map((gm, i) => [gm, i]));
    const results: Array<NpuCoreResult | undefined> = new Array<NpuCoreResult | undefined>(job.cores);
    let failed = false;
    try {
      pool.start(job);
    } catch {
      // The job could not be handed over (its arguments do not clone): nothing ran anywhere.
      return null;
    }
    try {
      for (let core = pool.claim(); core >= 0; core = pool.claim()) {
        const log = new CoreWriteLog(index);
        ctx.sink = log;
        results[core] = { core, counts: runCore(ctx, job.kernel, core, job.cores, job.tile, body), writes: log.writes };
      }
    } catch {
      failed = true;
      pool.stop();
    } finally {
      ctx.sink = null;
    }
    const remote = pool.finish();
    if (failed || remote.error !== null) return null;
    for (const r of remote.results) results[r.core] = r;
    const sums = emptySums();
    try {
      for (let core = 0; core < job.cores; core++) {
        const r = results[core];
        if (r === undefined) return null;
        addCounts(sums, r.counts);
        const w = r.writes;
        const e = w.entries;
        if (ledger) {
          for (let k = 0; k < e.length; k += WRITE_ENTRY) ledger.record(handles[e[k]!]!, e[k + 1]!, e[k + 2]!, core, w.names[e[k + 3]!]!, w.names[e[k + 4]!]!);
        }
      }
    } catch {
      return null;
    }
    // Every write passed the ledger: now they count as written, in the same order.
    for (let core = 0; core < job.cores; core++) {
      this.#onCoreCounts?.(job.kernel, core, results[core]!.counts);
      const e = results[core]!.writes.entries;
      for (let k = 0; k < e.length; k += WRITE_ENTRY) gmStorage(handles[e[k]!]!, this.#key).written?.union(e[k + 1]!, e[k + 1]! + e[k + 2]!);
    }
    return sums;
  }

  private checkWritten(kernel: string, gm: GmBuffer): void {
    const s = gmStorage(gm, this.#key);
    const w = s.written;
    if (!w) return;
    const first = w.firstGap(0, gm.length);
    if (first >= 0) {
      const count = gm.length - w.covered;
      this.poisonHoles(gm, s);
      throw new UnwrittenOutputError(kernel, gm.name, first, count, gm.length, unflatten(first, gm.shape));
    }
    // Fully written: the runs have done their job.
    s.written = null;
  }

  /** The most recent launches (at most `recordLimit`), oldest first. */
  get records(): readonly LaunchRecord[] {
    return this.#log.launches;
  }

  get groups(): readonly GroupRecord[] {
    return this.#log.groups;
  }

  /** Counts and sums over every launch since the last clearRecords(), the dropped ones included. */
  get totals(): LaunchTotals {
    return this.#log.totals;
  }

  /** Per launch: plan, UB peak / capacity, GM bytes vs minimum, transfers, estimated time; per op: totals. */
  explain(): ExplainReport {
    return buildExplain(this.spec, this.#log);
  }

  clearRecords(): void {
    this.#log.clear();
  }
}
