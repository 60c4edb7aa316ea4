/**
 * The MTE (memory transfer engine) of one core: moves contiguous runs between GM and the UB.
 * It counts bytes asked for, 32-byte bursts actually moved (a run touching part of a 32-byte block moves
 * the whole block), and transfers. In poison mode it refuses to read GM elements nobody has written
 * and marks written elements in the output's bitmap.
 */
import { NpuAccessError, UninitializedReadError } from './errors.js';
import { type GmBuffer, gmStorage } from './gm.js';
import type { UbBuf, UnifiedBuffer } from './ub.js';

export interface DmaCounters {
  readBytes: number;
  writeBytes: number;
  readBurstBytes: number;
  writeBurstBytes: number;
  transfersIn: number;
  transfersOut: number;
}

export class DmaEngine {
  readonly counters: DmaCounters = { readBytes: 0, writeBytes: 0, readBurstBytes: 0, writeBurstBytes: 0, transfersIn: 0, transfersOut: 0 };

  // A true private field: not reachable from kernel code even by casting, so GM storage stays sealed.
  readonly #key: object;

  constructor(
    key: object,
    private readonly ub: UnifiedBuffer,
    private readonly burstBytes: number,
    private readonly kernelName: () => string,
  ) {
    this.#key = key;
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
    const where = `${op} in kernel '${this.kernelName()}' (UB '${ubBuf.name}' [${ubOff}, ${ubOff + n}), GM '${gm.name}' [${gmOff}, ${gmOff + n}))`;
    if (ubBuf.owner !== this.ub || !ubBuf.live) throw new NpuAccessError(`${where}: UB buffer is not live in this core's UB`);
    if (ubBuf.dtype !== gm.dtype) {
      throw new NpuAccessError(`${where}: DMA does not convert; UB buffer is ${ubBuf.dtype}, GM is ${gm.dtype}. Stage through a ${gm.dtype} UB buffer and cast()`);
    }
    if (!Number.isInteger(n) || n < 0 || !Number.isInteger(ubOff) || ubOff < 0 || ubOff + n > ubBuf.elems) {
      throw new NpuAccessError(`${where}: range outside the UB buffer of ${ubBuf.elems} elements`);
    }
    if (!Number.isInteger(gmOff) || gmOff < 0 || gmOff + n > gm.length) {
      throw new NpuAccessError(`${where}: range outside the GM buffer of ${gm.length} elements`);
    }
  }

  /** GM -> UB: n elements from gm[gmOff] into ubBuf[ubOff]. */
  copyIn(ubBuf: UbBuf, ubOff: number, gm: GmBuffer, gmOff: number, n: number): void {
    if (n === 0) return;
    this.check('copyIn', ubBuf, ubOff, gm, gmOff, n);
    const s = gmStorage(gm, this.#key);
    if (s.written) {
      const hole = s.written.subarray(gmOff, gmOff + n).indexOf(0);
      if (hole >= 0) throw new UninitializedReadError(this.kernelName(), gm.name, gmOff + hole);
    }
    if (gm.dtype === 'float32') this.ub.f32.set((s.data as Float32Array).subarray(gmOff, gmOff + n), ubBuf.offset + ubOff);
    else this.ub.u16.set((s.data as Uint16Array).subarray(gmOff, gmOff + n), ubBuf.offset + ubOff);
    const c = this.counters;
    c.readBytes += n * gm.elemBytes;
    c.readBurstBytes += this.bursts(gmOff, n, gm.elemBytes);
    c.transfersIn++;
  }

  /** UB -> GM: n elements from ubBuf[ubOff] into gm[gmOff]. */
  copyOut(gm: GmBuffer, gmOff: number, ubBuf: UbBuf, ubOff: number, n: number): void {
    if (n === 0) return;
    this.check('copyOut', ubBuf, ubOff, gm, gmOff, n);
    const s = gmStorage(gm, this.#key);
    if (gm.dtype === 'float32') (s.data as Float32Array).set(this.ub.f32.subarray(ubBuf.offset + ubOff, ubBuf.offset + ubOff + n), gmOff);
    else (s.data as Uint16Array).set(this.ub.u16.subarray(ubBuf.offset + ubOff, ubBuf.offset + ubOff + n), gmOff);
    if (s.written) s.written.fill(1, gmOff, gmOff + n);
    const c = this.counters;
    c.writeBytes += n * gm.elemBytes;
    c.writeBurstBytes += this.bursts(gmOff, n, gm.elemBytes);
    c.transfersOut++;
  }
}
