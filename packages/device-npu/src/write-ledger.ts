/**
 * Who wrote which GM element during one launch (poison mode): the ownership check behind the DMA write
 * rules. Each written element is stamped with its core; a second write of a stamped element is a
 * `GmWriteRaceError` when another core made the first (the hardware would keep one of them at random), or a
 * `GmOverwriteError` when the same core did (a tail rounded up to whole 32-byte blocks landing on data the
 * kernel writes elsewhere). Plain DataCopy writes whole blocks, so any other core's element in one of its
 * blocks is caught; DataCopyPad writes exactly its elements. With `exclusiveBlocks`, a 32-byte block written
 * by two cores is a race even when their elements differ (block-aligned core splits required).
 */
import { GmOverwriteError, GmWriteRaceError } from './errors.js';
import type { GmBuffer } from './gm.js';

/** Where a ledger gets its zeroed per-buffer arrays and returns them (the simulator's bitmap pool). */
export interface LedgerArrays {
  take(length: number): Uint8Array;
  give(array: Uint8Array): void;
}

/** Fresh arrays for a ledger nobody pools for. */
const FRESH_ARRAYS: LedgerArrays = { take: (length) => new Uint8Array(length), give: () => {} };

export class WriteLedger {
  readonly #stamps = new Map<GmBuffer, Stamps>();
  readonly #blockOwners = new Map<GmBuffer, Uint8Array>();

  constructor(
    private readonly kernel: string,
    private readonly alignmentBytes: number,
    private readonly exclusiveBlocks = false,
    private readonly arrays: LedgerArrays = FRESH_ARRAYS,
  ) {}

  /** Hands the stamp arrays back (end of the launch); the ledger is empty afterwards. */
  release(): void {
    for (const a of this.#stamps.values()) this.arrays.give(a.bytes);
    for (const a of this.#blockOwners.values()) this.arrays.give(a);
    this.#stamps.clear();
    this.#blockOwners.clear();
  }

  /**
   * Stamp elements [start, start + n) of `gm` as written by `core` (cores are numbered from 0, at most 254).
   * `op` names the write for an error message; with `fromUb`, the message says which UB buffer it came from
   * (made only when there is an error).
   */
  record(gm: GmBuffer, start: number, n: number, core: number, op: string, fromUb?: string): void {
    let stamps = this.#stamps.get(gm);
    if (!stamps) {
      stamps = new Stamps(this.arrays.take(gm.length));
      this.#stamps.set(gm, stamps);
    }
    // One byte per element: cores are stamped 1..255 (a part has at most 48 vector cores).
    const mark = (core % 255) + 1;
    if (this.exclusiveBlocks && n > 0) this.claimBlocks(gm, start, n, mark, core, op, fromUb);
    // Check the whole run, then stamp it in one fill: the first stamped element is the error, as before.
    const end = start + n;
    const i = stamps.firstNonZero(start, end);
    if (i >= 0) {
      const prev = stamps.bytes[i]!;
      const block = Math.floor((i * gm.elemBytes) / this.alignmentBytes);
      const what = describeWrite(op, fromUb, n, start);
      if (prev === mark) throw new GmOverwriteError(this.kernel, gm.name, i, core, what);
      throw new GmWriteRaceError(this.kernel, gm.name, i, block, prev - 1, core, what);
    }
    stamps.bytes.fill(mark, start, end);
  }

  private claimBlocks(gm: GmBuffer, start: number, n: number, mark: number, core: number, op: string, fromUb: string | undefined): void {
    let owners = this.#blockOwners.get(gm);
    if (!owners) {
      owners = this.arrays.take(Math.ceil((gm.length * gm.elemBytes) / this.alignmentBytes));
      this.#blockOwners.set(gm, owners);
    }
    const first = Math.floor((start * gm.elemBytes) / this.alignmentBytes);
    const last = Math.floor(((start + n) * gm.elemBytes - 1) / this.alignmentBytes);
    for (let blk = first; blk <= last; blk++) {
      const prev = owners[blk]!;
      if (prev === 0) owners[blk] = mark;
      else if (prev !== mark) {
        const element = Math.max(start, Math.ceil((blk * this.alignmentBytes) / gm.elemBytes));
        throw new GmWriteRaceError(this.kernel, gm.name, element, blk, prev - 1, core, describeWrite(op, fromUb, n, start), 'block');
      }
    }
  }
}

function describeWrite(op: string, fromUb: string | undefined, n: number, start: number): string {
  return fromUb === undefined ? op : `${op} of ${n} elements at ${start} from UB '${fromUb}'`;
}

/** One buffer's stamps, one byte per element, with a word view to skip four unwritten elements per compare. */
class Stamps {
  readonly words: Uint32Array;
  constructor(readonly bytes: Uint8Array) {
    this.words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteOffset % 4 === 0 ? bytes.byteLength >> 2 : 0);
  }

  /** The first index in [from, to) whose stamp is set, or -1. */
  firstNonZero(from: number, to: number): number {
    const b = this.bytes;
    const w = this.words;
    let i = from;
    // Bytes up to a word boundary, whole words, then the tail.
    const headEnd = w.length > 0 ? Math.min(to, Math.ceil(from / 4) * 4) : to;
    for (; i < headEnd; i++) if (b[i] !== 0) return i;
    const wordEnd = w.length > 0 ? Math.floor(to / 4) : 0;
    for (let k = i / 4; k < wordEnd; k++) {
      if (w[k] !== 0) {
        for (let j = k * 4; ; j++) if (b[j] !== 0) return j;
      }
    }
    for (i = Math.max(i, wordEnd * 4); i < to; i++) if (b[i] !== 0) return i;
    return -1;
  }
}
