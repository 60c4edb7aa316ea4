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
import { RunSet } from './run-set.js';

/** Where a ledger gets its zeroed block-owner arrays (exclusiveBlocks) and returns them (the simulator's bitmap pool). */
export interface LedgerArrays {
  take(length: number): Uint8Array;
  give(array: Uint8Array): void;
}

/** Fresh arrays for a ledger nobody pools for. */
const FRESH_ARRAYS: LedgerArrays = { take: (length) => new Uint8Array(length), give: () => {} };

export class WriteLedger {
  readonly #runs = new Map<GmBuffer, RunSet>();
  readonly #blockOwners = new Map<GmBuffer, Uint8Array>();

  constructor(
    private readonly kernel: string,
    private readonly alignmentBytes: number,
    private readonly exclusiveBlocks = false,
    private readonly arrays: LedgerArrays = FRESH_ARRAYS,
  ) {}

  /** Hands the block-owner arrays back (end of the launch); the ledger is empty afterwards. */
  release(): void {
    for (const a of this.#blockOwners.values()) this.arrays.give(a);
    this.#runs.clear();
    this.#blockOwners.clear();
  }

  /**
   * Stamp elements [start, start + n) of `gm` as written by `core` (cores are numbered from 0, at most 254).
   * `op` names the write for an error message; with `fromUb`, the message says which UB buffer it came from
   * (made only when there is an error).
   */
  record(gm: GmBuffer, start: number, n: number, core: number, op: string, fromUb?: string): void {
    let runs = this.#runs.get(gm);
    if (!runs) {
      runs = new RunSet();
      this.#runs.set(gm, runs);
    }
    // Cores are stamped 1..255 (a part has at most 48 vector cores).
    const mark = (core % 255) + 1;
    if (this.exclusiveBlocks && n > 0) this.claimBlocks(gm, start, n, mark, core, op, fromUb);
    if (n <= 0) return;
    // The runs already written this launch say who wrote each element: the first one in this run is the error.
    const k = runs.overlapping(start, start + n);
    if (k >= 0) {
      const i = Math.max(start, runs.startOf(k));
      const prev = runs.tagOf(k);
      const block = Math.floor((i * gm.elemBytes) / this.alignmentBytes);
      const what = describeWrite(op, fromUb, n, start);
      if (prev === mark) throw new GmOverwriteError(this.kernel, gm.name, i, core, what);
      throw new GmWriteRaceError(this.kernel, gm.name, i, block, prev - 1, core, what);
    }
    runs.addDisjoint(start, start + n, mark);
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
