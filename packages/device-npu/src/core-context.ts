/**
 * One vector core's world as a kernel sees it (`KernelContext`): its UB, vector unit and DMA engine. The
 * simulator runs every core of a launch through one of these, resetting it between cores; a worker thread of a
 * parallel launch keeps its own (parallel.ts).
 */
import { type DmaCounters, DmaEngine, type DmaPadding, type GmWriteSink } from './dma.js';
import type { GmBuffer } from './gm.js';
import type { KernelContext } from './sim.js';
import type { NpuSpec } from './spec.js';
import { type UbAllocOptions, type UbBuf, UnifiedBuffer } from './ub.js';
import { VectorUnit } from './vector.js';
import type { ArenaPlace } from './wasm-arena.js';
import type { WriteLedger } from './write-ledger.js';

/** What one core counted: DMA, vector unit and UB peak, the numbers a launch record sums or maxes over cores. */
export interface CoreCounts {
  readonly dma: DmaCounters;
  readonly elemOps: number;
  readonly repeats: number;
  readonly scalarOps: number;
  readonly instructions: number;
  readonly ubPeakBytes: number;
}

export class CoreContext implements KernelContext {
  kernel = '';
  coreId = 0;
  coreCount = 1;
  tile = '';
  readonly ub: UnifiedBuffer;
  readonly v: VectorUnit;
  readonly #dma: DmaEngine;

  constructor(
    readonly spec: NpuSpec,
    key: object,
    poison: () => boolean,
    /** Where the UB arena lives in the simulator's shared memory (npu-arena.ts); null: a memory of its own. */
    readonly place: ArenaPlace | null = null,
  ) {
    this.ub = new UnifiedBuffer(spec.ubBytes, spec.alignmentBytes, { kernel: () => this.kernel, tile: () => this.tile }, poison, place);
    this.v = new VectorUnit(this.ub, spec.vectorBytesPerCycle, () => this.kernel);
    this.#dma = new DmaEngine(key, this.ub, spec.alignmentBytes, () => this.kernel, () => this.coreId, poison);
  }
  alloc(name: string, elems: number, options?: UbAllocOptions): UbBuf {
    return this.ub.alloc(name, elems, options);
  }
  free(buf: UbBuf): void {
    this.ub.free(buf);
  }
  copyIn(dst: UbBuf, dstOff: number, src: GmBuffer, srcOff: number, count: number): void {
    this.#dma.copyIn(dst, dstOff, src, srcOff, count);
  }
  copyOut(dst: GmBuffer, dstOff: number, src: UbBuf, srcOff: number, count: number): void {
    this.#dma.copyOut(dst, dstOff, src, srcOff, count);
  }
  copyInPad(dst: UbBuf, dstOff: number, src: GmBuffer, srcOff: number, count: number, pad?: DmaPadding): void {
    this.#dma.copyInPad(dst, dstOff, src, srcOff, count, pad);
  }
  copyOutPad(dst: GmBuffer, dstOff: number, src: UbBuf, srcOff: number, count: number): void {
    this.#dma.copyOutPad(dst, dstOff, src, srcOff, count);
  }
  set ledger(ledger: WriteLedger | null) {
    this.#dma.ledger = ledger;
  }
  /** A parallel launch's write log (replaces the ledger and the written runs while set). */
  set sink(sink: GmWriteSink | null) {
    this.#dma.sink = sink;
  }
  /** This core's counters since `begin` (copies: the context is reused for the next core). */
  counts(): CoreCounts {
    const vc = this.v.counters;
    return { dma: { ...this.#dma.counters }, elemOps: vc.elemOps, repeats: vc.repeats, scalarOps: vc.scalarOps, instructions: vc.instructions, ubPeakBytes: this.ub.peakBytes };
  }
  /** Ready the context for core `core` of `cores`: empty UB, counters at zero. */
  begin(kernel: string, core: number, cores: number, tile: string): void {
    this.kernel = kernel;
    this.coreId = core;
    this.coreCount = cores;
    this.tile = tile;
    this.ub.reset();
    this.v.resetCounters();
    this.resetDma();
  }
  setTile(label: string): void {
    this.tile = label;
  }
  get dmaCounters(): DmaCounters {
    return this.#dma.counters;
  }
  resetDma(): void {
    this.#dma.resetCounters();
  }
}
