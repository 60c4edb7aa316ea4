/**
 * The MTE (memory transfer engine) of one core: moves contiguous runs between GM and the UB, as AscendC's
 * two copy instructions do.
 *
 * - `copyIn` / `copyOut` are DataCopy: the GM address, the UB address and the length must all be whole
 *   32-byte blocks (`DmaAlignmentError` otherwise), because DataCopy moves whole blocks and nothing else.
 * - `copyInPad` / `copyOutPad` are DataCopyPad: every GM address and length; the UB address must still be
 *   block-aligned. In, it can put up to one block of `left` padding elements before the data and fills the
 *   rest of the last UB block with the pad value (garbage, NaN in poison mode, when none is given). Out, it
 *   writes exactly n elements.
 *
 * It counts bytes asked for, 32-byte bursts actually moved (a run touching part of a block moves the whole
 * block) and transfers. In poison mode it refuses to read GM elements nobody has written, adds what it
 * writes to the buffer's written runs, and records every element written in this launch with its core (the
 * write ledger), so a second write of an element is a race or an overwrite.
 */
import { BFLOAT16_NAN_BITS, FLOAT16_NAN_BITS, toBfloat16Bits, toFloat16Bits } from './dtype.js';
import { DmaAlignmentError, NpuAccessError, UninitializedReadError } from './errors.js';
import { type GmBuffer, gmStorage } from './gm.js';
import type { UbBuf, UnifiedBuffer } from './ub.js';
import { type VectorWasm, vectorWasm } from './vector-wasm.js';
import type { WriteLedger } from './write-ledger.js';

/**
 * Where a core running on a worker thread (or beside them) puts its GM writes instead of the launch's write
 * ledger and the buffers' written runs: the simulator replays them in core order once every core has run,
 * so the ledger sees exactly the sequence of writes a sequential launch makes (see sim.ts, parallel launches).
 */
export interface GmWriteSink {
  add(gm: GmBuffer, start: number, n: number, op: string, fromUb: string): void;
}

export interface DmaCounters {
  readBytes: number;
  writeBytes: number;
  readBurstBytes: number;
  writeBurstBytes: number;
  transfersIn: number;
  transfersOut: number;
}

/** DataCopyPad's padding of the UB side (DataCopyPadExtParams): elements before the data, and their value. */
export interface DmaPadding {
  /** Pad elements written before the data, at the (aligned) UB address; together under one 32-byte block. */
  readonly left?: number;
  /** Value of the left padding and of the rest of the data's last 32-byte UB block. Unset: garbage. */
  readonly value?: number;
}

export class DmaEngine {
  readonly counters: DmaCounters = { readBytes: 0, writeBytes: 0, readBurstBytes: 0, writeBurstBytes: 0, transfersIn: 0, transfersOut: 0 };
  /** The launch's write ledger (poison mode), or null. */
  ledger: WriteLedger | null = null;
  /** Set: writes are logged here, not stamped in the ledger nor added to the written runs (a parallel launch). */
  sink: GmWriteSink | null = null;

  // A true private field: not reachable from kernel code even by casting, so GM storage stays sealed.
  readonly #key: object;
  /**
   * memory.copy in the UB's memory, when the UB is a region of the simulator's shared memory (npu-arena.ts):
   * GM buffers in that memory (GmStorage.inArena) are copied with it, the rest with TypedArray.set.
   */
  readonly #move: VectorWasm | null;
  /** Byte address of UB byte 0 in that memory. */
  readonly #ubBase: number;

  constructor(
    key: object,
    private readonly ub: UnifiedBuffer,
    private readonly burstBytes: number,
    private readonly kernelName: () => string,
    private readonly coreId: () => number,
    private readonly poison: () => boolean,
  ) {
    this.#key = key;
    const w = ub.wasm;
    this.#move = w !== null && w.shared ? vectorWasm(w) : null;
    this.#ubBase = w?.base ?? 0;
  }

  resetCounters(): void {
    const c = this.counters;
    c.readBytes = c.writeBytes = c.readBurstBytes = c.writeBurstBytes = c.transfersIn = c.transfersOut = 0;
  }

  private bursts(startElem: number, n: number, elemBytes: number): number {
    const start = startElem * elemBytes;
    const end = start + n * elemBytes;
    return (Math.floor((end - 1) / this.burstBytes) - Math.floor(start / this.burstBytes) + 1) * this.burstBytes;
  }

  private check(op: string, ubBuf: UbBuf, ubOff: number, gm: GmBuffer, gmOff: number, n: number): void {
    // Plain comparisons first; the message (and any closure) is made only for an error.
    const live = ubBuf.owner === this.ub && ubBuf.live;
    const sameType = ubBuf.dtype === gm.dtype;
    const inUb = Number.isInteger(n) && n >= 0 && Number.isInteger(ubOff) && ubOff >= 0 && ubOff + n <= ubBuf.elems;
    const inGm = Number.isInteger(gmOff) && gmOff >= 0 && gmOff + n <= gm.length;
    if (live && sameType && inUb && inGm) return;
    const where = `${op} in kernel '${this.kernelName()}' (UB '${ubBuf.name}' [${ubOff}, ${ubOff + n}), GM '${gm.name}' [${gmOff}, ${gmOff + n}))`;
    if (!live) throw new NpuAccessError(`${where}: UB buffer is not live in this core's UB`);
    if (!sameType) {
      throw new NpuAccessError(`${where}: DMA does not convert; UB buffer is ${ubBuf.dtype}, GM is ${gm.dtype}. Stage through a ${gm.dtype} UB buffer and cast()`);
    }
    if (!inUb) throw new NpuAccessError(`${where}: range outside the UB buffer of ${ubBuf.elems} elements`);
    throw new NpuAccessError(`${where}: range outside the GM buffer of ${gm.length} elements`);
  }

  private requireAligned(op: string, what: string, buffer: string, bytes: number, fix: string): void {
    if (bytes % this.burstBytes !== 0) throw new DmaAlignmentError(this.kernelName(), op, what, buffer, bytes, this.burstBytes, fix);
  }

  /** DataCopy's three rules: GM address, UB address and length in whole blocks. */
  private requireBlocks(op: 'copyIn' | 'copyOut', ubBuf: UbBuf, ubOff: number, gm: GmBuffer, gmOff: number, n: number): void {
    const e = gm.elemBytes;
    const b = this.burstBytes;
    const ubAt = ubBuf.byteOffset + ubOff * e;
    if (ubAt % b === 0 && (gmOff * e) % b === 0 && (n * e) % b === 0) return;
    const pad = op === 'copyIn' ? 'copyInPad' : 'copyOutPad';
    this.requireAligned(op, 'UB address', ubBuf.name, ubAt, 'Start UB transfers at a multiple of 32 bytes (pitch rows to whole blocks).');
    this.requireAligned(op, 'GM address', gm.name, gmOff * e, `Use ${pad} (DataCopyPad) for a run that does not start on a block.`);
    this.requireAligned(op, 'length', gm.name, n * e,
      `Move the tail with ${pad} (DataCopyPad); rounding the length up would ${op === 'copyOut' ? 'overwrite the neighbouring data' : 'read past the run'}.`);
  }

  private readGm(ubBuf: UbBuf, ubOff: number, gm: GmBuffer, gmOff: number, n: number): void {
    const s = gmStorage(gm, this.#key);
    if (s.written) {
      const hole = s.written.firstGap(gmOff, gmOff + n);
      if (hole >= 0) throw new UninitializedReadError(this.kernelName(), gm.name, hole);
    }
    ubBuf.version++;
    const e = gm.elemBytes;
    const move = this.#move;
    // Both in the shared memory: the same bytes as TypedArray.set, without V8's slow path for shared buffers.
    if (move !== null && s.inArena) move.move(this.#ubBase + ubBuf.byteOffset + ubOff * e, s.data.byteOffset + gmOff * e, n * e);
    else if (gm.dtype === 'float32') this.ub.f32.set((s.data as Float32Array).subarray(gmOff, gmOff + n), ubBuf.offset + ubOff);
    else this.ub.u16.set((s.data as Uint16Array).subarray(gmOff, gmOff + n), ubBuf.offset + ubOff);
    const c = this.counters;
    c.readBytes += n * e;
    c.readBurstBytes += this.bursts(gmOff, n, gm.elemBytes);
    c.transfersIn++;
  }

  private writeGm(op: string, gm: GmBuffer, gmOff: number, ubBuf: UbBuf, ubOff: number, n: number): void {
    const s = gmStorage(gm, this.#key);
    if (s.borrowed === 'read') {
      throw new NpuAccessError(`${op} in kernel '${this.kernelName()}' (UB '${ubBuf.name}' -> GM '${gm.name}' [${gmOff}, ${gmOff + n})): GM '${gm.name}' is an input (a host array adopted read-only); kernels may not write it`);
    }
    const sink = this.sink;
    if (sink === null) this.ledger?.record(gm, gmOff, n, this.coreId(), op, ubBuf.name);
    const e = gm.elemBytes;
    const move = this.#move;
    if (move !== null && s.inArena) move.move(s.data.byteOffset + gmOff * e, this.#ubBase + ubBuf.byteOffset + ubOff * e, n * e);
    else if (gm.dtype === 'float32') (s.data as Float32Array).set(this.ub.f32.subarray(ubBuf.offset + ubOff, ubBuf.offset + ubOff + n), gmOff);
    else (s.data as Uint16Array).set(this.ub.u16.subarray(ubBuf.offset + ubOff, ubBuf.offset + ubOff + n), gmOff);
    if (sink !== null) sink.add(gm, gmOff, n, op, ubBuf.name);
    else if (s.written) s.written.union(gmOff, gmOff + n);
    const c = this.counters;
    c.writeBytes += n * e;
    c.writeBurstBytes += this.bursts(gmOff, n, gm.elemBytes);
    c.transfersOut++;
  }

  /** DataCopy GM -> UB: n elements from gm[gmOff] into ubBuf[ubOff], all in whole 32-byte blocks. */
  copyIn(ubBuf: UbBuf, ubOff: number, gm: GmBuffer, gmOff: number, n: number): void {
    if (n === 0) return;
    this.check('copyIn', ubBuf, ubOff, gm, gmOff, n);
    this.requireBlocks('copyIn', ubBuf, ubOff, gm, gmOff, n);
    this.readGm(ubBuf, ubOff, gm, gmOff, n);
  }

  /** DataCopy UB -> GM: n elements from ubBuf[ubOff] into gm[gmOff], all in whole 32-byte blocks. */
  copyOut(gm: GmBuffer, gmOff: number, ubBuf: UbBuf, ubOff: number, n: number): void {
    if (n === 0) return;
    this.check('copyOut', ubBuf, ubOff, gm, gmOff, n);
    this.requireBlocks('copyOut', ubBuf, ubOff, gm, gmOff, n);
    this.writeGm('copyOut', gm, gmOff, ubBuf, ubOff, n);
  }

  /**
   * DataCopyPad GM -> UB: `pad.left` pad elements at ubBuf[ubOff] (a block-aligned address), then n elements
   * from gm[gmOff] (any address, any length), then the pad value up to the end of the last block (within
   * the buffer).
   */
  copyInPad(ubBuf: UbBuf, ubOff: number, gm: GmBuffer, gmOff: number, n: number, pad: DmaPadding = {}): void {
    const left = pad.left ?? 0;
    if (n === 0 && left === 0) return;
    const e = gm.elemBytes;
    if (!Number.isInteger(left) || left < 0 || left * e >= this.burstBytes) {
      throw new NpuAccessError(`copyInPad in kernel '${this.kernelName()}': left padding of '${ubBuf.name}' is ${left} elements; DataCopyPad pads less than one ${this.burstBytes}-byte block (0..${this.burstBytes / e - 1})`);
    }
    this.check('copyInPad', ubBuf, ubOff + left, gm, gmOff, n);
    if (!Number.isInteger(ubOff) || ubOff < 0) throw new NpuAccessError(`copyInPad in kernel '${this.kernelName()}': UB offset ${ubOff} of '${ubBuf.name}' is not a non-negative integer`);
    this.requireAligned('copyInPad', 'UB address', ubBuf.name, ubBuf.byteOffset + ubOff * e, 'DataCopyPad pads the UB side but its UB address must start a block; put the data after `left` pad elements instead.');
    if (n > 0) this.readGm(ubBuf, ubOff + left, gm, gmOff, n);
    const perBlock = this.burstBytes / e;
    const end = ubOff + left + n;
    const blockEnd = Math.min(ubBuf.elems, Math.ceil(end / perBlock) * perBlock);
    this.fillUb(ubBuf, ubOff, left, pad.value);
    this.fillUb(ubBuf, end, blockEnd - end, pad.value);
  }

  /** DataCopyPad UB -> GM: exactly n elements from ubBuf[ubOff] (a block-aligned address) to gm[gmOff] (any address). */
  copyOutPad(gm: GmBuffer, gmOff: number, ubBuf: UbBuf, ubOff: number, n: number): void {
    if (n === 0) return;
    this.check('copyOutPad', ubBuf, ubOff, gm, gmOff, n);
    this.requireAligned('copyOutPad', 'UB address', ubBuf.name, ubBuf.byteOffset + ubOff * gm.elemBytes, 'Start UB transfers at a multiple of 32 bytes (pitch rows to whole blocks).');
    this.writeGm('copyOutPad', gm, gmOff, ubBuf, ubOff, n);
  }

  private fillUb(ubBuf: UbBuf, off: number, n: number, value: number | undefined): void {
    if (n <= 0) return;
    if (value === undefined && !this.poison()) return;
    ubBuf.version++;
    const i = ubBuf.offset + off;
    if (ubBuf.dtype === 'float32') this.ub.fillF32(i, n, value ?? NaN);
    else {
      const bits = value === undefined
        ? ubBuf.dtype === 'float16' ? FLOAT16_NAN_BITS : BFLOAT16_NAN_BITS
        : ubBuf.dtype === 'float16' ? toFloat16Bits(value) : toBfloat16Bits(value);
      this.ub.fillU16(i, n, bits);
    }
  }
}
