import type { MtaCpuPlan } from './plan.js';
import { instantiateF32RowKernels, newPrivateMemory, type F32RowKernels, type WasmMemory } from './wasm-rows-f32.js';

/**
 * Per-thread scratch of the float32 kernels (forward-item-f32.ts, backward-item-f32.ts): a ring of
 * zero-padded float32 rows (~50 KiB at L = 1024, ~400 KiB at L = 8192: it stays in L2), an accumulator row,
 * a row of zeros (the convolution's padding rows), four staging rows, the weights as float32, the item's
 * float64 weight-gradient sums and the address table of the multi-row wasm calls.
 *
 * It lives in the memory the maps live in when it can: the cpu arena (a shared WebAssembly.Memory), where
 * the calling thread carves one block per call into a slice per thread (`F32ScratchBlock`), so the wasm
 * loops read input rows and write output rows in place. A map outside the arena (an array the caller made,
 * a working set past 4 GiB) is staged: its row is copied into a staging row before the loops read it, or
 * copied out after they wrote it. Without an arena (no shared wasm memory here) each thread uses a private
 * memory and stages every row.
 */

/** Byte offsets from a thread's scratch base, all 64-byte aligned, and the sizes they imply. */
export interface F32Layout {
  /** Bytes per thread. */
  readonly bytes: number;
  /** Bytes per ring slot: 4 floats of left padding, the row (column 0 at slot + 16), 12+ floats of slack. */
  readonly slotBytes: number;
  /**
   * Ring slots per channel: the geometry's depth, plus one so that the forward can compute two output rows
   * at once (kH = 3, row dilation 1: rows i - top .. i + 1 + bottom).
   */
  readonly ringDepth: number;
  readonly params: number;
  readonly weightGrad: number;
  readonly table: number;
  readonly ring: number;
  readonly ringBytes: number;
  readonly acc: number;
  /** The second output row of a forward pair. */
  readonly acc2: number;
  readonly zeroRow: number;
  readonly stages: readonly [number, number, number, number];
}

const quads = (floats: number) => (floats + 3) & ~3;
const align64 = (bytes: number) => (bytes + 63) & ~63;

/** The layout for a plan; depends only on the geometry, so every thread computes the same. */
export function f32Layout(plan: MtaCpuPlan): F32Layout {
  const { wElems, Cin, Cout, depth, L, kH } = plan.geometry;
  // Column 0 at 16 bytes into the slot (left pads <= 2 floats), then L columns, then slack that keeps
  // whole-quad loads past a row's end (and the zero tails after it) inside the slot.
  const slotBytes = 4 * (quads(L) + 16);
  let at = 0;
  const take = (bytes: number) => { const start = at; at += align64(bytes); return start; };
  const params = take(4 * (wElems + Cout));
  const weightGrad = take(8 * wElems);
  const table = take(4 * Math.max(3 * Math.max(Cin, Cout) * kH, 4 * Cin));
  const ringDepth = depth + 1;
  const ringBytes = Math.max(Cin, Cout) * ringDepth * slotBytes;
  const ring = take(ringBytes);
  const acc = take(slotBytes);
  const acc2 = take(slotBytes);
  const zeroRow = take(slotBytes);
  const stages = [take(slotBytes), take(slotBytes), take(slotBytes), take(slotBytes)] as const;
  return { bytes: at, slotBytes, ringDepth, params, weightGrad, table, ring, ringBytes, acc, acc2, zeroRow, stages };
}

/** Where a call's threads find their scratch in the arena: thread k's slice starts at base + k * stride. */
export interface F32ScratchBlock {
  readonly base: number;
  readonly stride: number;
}

/**
 * One thread's scratch, set up for one item: the kernels, views of the memory and absolute addresses. The
 * in/out helpers give the byte address of a map row, in place (address >= 0) or through a staging row.
 */
export class F32Scratch {
  f32!: Float32Array;
  f64!: Float64Array;
  i32!: Int32Array;
  params = 0;
  weightGrad = 0;
  table = 0;
  ring = 0;
  ringEnd = 0;
  acc = 0;
  acc2 = 0;
  zeroRow = 0;
  slotBytes = 0;
  ringDepth = 0;
  stages: [number, number, number, number] = [0, 0, 0, 0];

  constructor(readonly kernels: F32RowKernels, private readonly memory: WasmMemory) {
    this.refreshViews();
  }

  /** Views of the whole memory; a memory grown since (by another thread or an allocation) gets new ones. */
  refreshViews(): void {
    const buffer = this.memory.buffer;
    if (this.f32 !== undefined && this.f32.buffer === buffer) return;
    this.f32 = new Float32Array(buffer, 0, buffer.byteLength >>> 2);
    this.f64 = new Float64Array(buffer, 0, buffer.byteLength >>> 3);
    this.i32 = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
  }

  place(layout: F32Layout, base: number): void {
    this.params = base + layout.params;
    this.weightGrad = base + layout.weightGrad;
    this.table = base + layout.table;
    this.ring = base + layout.ring;
    this.ringEnd = this.ring + layout.ringBytes;
    this.acc = base + layout.acc;
    this.acc2 = base + layout.acc2;
    this.zeroRow = base + layout.zeroRow;
    this.slotBytes = layout.slotBytes;
    this.ringDepth = layout.ringDepth;
    for (let k = 0; k < 4; k++) this.stages[k] = base + layout.stages[k]!;
  }

  /**
   * Starts an item: the weights as float32, a zeroed ring (its left pads are never written again) and zero
   * row, and zeroed weight-gradient sums (`wElems` of them; 0 for a forward).
   */
  beginItem(params: Float64Array, wElems: number): void {
    this.refreshViews();
    this.f32.set(params, this.params >>> 2);
    this.kernels.zero(this.ring, this.ringEnd);
    this.kernels.zero(this.zeroRow, this.zeroRow + this.slotBytes);
    this.kernels.zero(this.weightGrad, this.weightGrad + 8 * wElems);
  }

  /** Byte address of the n valid floats of map row `rowStart` (an element index): in place, or copied into stage k. */
  inRow(array: Float32Array, address: number, rowStart: number, n: number, stage: number): number {
    if (address >= 0) return address + 4 * rowStart;
    const at = this.stages[stage]!;
    this.f32.set(array.subarray(rowStart, rowStart + n), at >>> 2);
    return at;
  }

  /** Byte address where the loops write map row `rowStart`: in place, or stage k (then `flushRow`). */
  outRow(address: number, rowStart: number, stage: number): number {
    return address >= 0 ? address + 4 * rowStart : this.stages[stage]!;
  }

  /** Copies a staged output row (L floats) to the map; nothing for a row written in place. */
  flushRow(array: Float32Array, address: number, rowStart: number, L: number, stage: number): void {
    if (address >= 0) return;
    const at = this.stages[stage]! >>> 2;
    array.set(this.f32.subarray(at, at + L), rowStart);
  }

  /** Slot address (byte) of ring row `slot` (channel * depth + row % depth). */
  slot(slot: number): number {
    return this.ring + slot * this.slotBytes;
  }
}

let enabled = true;

/** Turns the float32 kernels off on this thread (tests compare them with the float64 ones). */
export function setF32RowKernelsEnabled(on: boolean): void {
  enabled = on;
}

export function f32RowKernelsEnabled(): boolean {
  return enabled;
}

/**
 * The arena memory this thread's shared instance uses and the thread's index in its pool (0: the calling
 * thread). Pool workers are bound when they start (worker-entry.ts); the calling thread binds lazily to the
 * memory its jobs were placed in.
 */
let arenaMemory: WasmMemory | null = null;
let threadIndex = 0;

export function bindF32Thread(memory: WasmMemory | null, index: number): void {
  arenaMemory = memory;
  threadIndex = index;
  sharedScratch = undefined;
}

/** Makes `memory` this (calling) thread's arena memory unless it is bound already. */
export function useArenaMemory(memory: WasmMemory): void {
  if (arenaMemory === null) bindF32Thread(memory, threadIndex);
}

let sharedScratch: F32Scratch | null | undefined;
let privateScratch: F32Scratch | null | undefined;
let privateMemory: WasmMemory | null = null;
let privateBase = 64;

/**
 * This thread's scratch for an item of a job placed in `block` (null: the private memory), or null where the
 * engine cannot run the f32x4 loops. A job placed in the arena runs in the arena on every thread.
 */
export function f32ScratchFor(plan: MtaCpuPlan, block: F32ScratchBlock | null): F32Scratch | null {
  const layout = layoutFor(plan);
  if (block !== null) {
    if (sharedScratch === undefined) {
      const kernels = arenaMemory === null ? null : instantiateF32RowKernels(arenaMemory, 'shared');
      sharedScratch = kernels === null || arenaMemory === null ? null : new F32Scratch(kernels, arenaMemory);
    }
    if (sharedScratch === null) {
      throw new Error('mta cpu kernel: internal: a job placed in the arena reached a thread without the arena memory.');
    }
    sharedScratch.place(layout, block.base + threadIndex * block.stride);
    return sharedScratch;
  }
  if (privateScratch === undefined) {
    privateMemory = newPrivateMemory(privateBase + layout.bytes);
    const kernels = privateMemory === null ? null : instantiateF32RowKernels(privateMemory, 'private');
    privateScratch = kernels === null || privateMemory === null ? null : new F32Scratch(kernels, privateMemory);
  }
  if (privateScratch === null || privateMemory === null) return null;
  const have = privateMemory.buffer.byteLength;
  if (privateBase + layout.bytes > have) privateMemory.grow(Math.ceil((privateBase + layout.bytes - have) / 65536));
  privateScratch.place(layout, privateBase);
  return privateScratch;
}

let layoutPlan: MtaCpuPlan | null = null;
let layoutCached: F32Layout | null = null;

/** Items of one call share a plan object: the layout arithmetic runs once per call per thread. */
function layoutFor(plan: MtaCpuPlan): F32Layout {
  if (plan !== layoutPlan || layoutCached === null) {
    layoutCached = f32Layout(plan);
    layoutPlan = plan;
  }
  return layoutCached;
}
