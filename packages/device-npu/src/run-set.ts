/**
 * A set of element indices kept as sorted, disjoint runs [start, end), each with a tag: what poison mode
 * tracks of a GM buffer (which elements were ever written; which core wrote which element in a launch).
 * DMA moves contiguous runs, and a kernel's writes to one buffer extend a few hundred runs at most, so a
 * transfer costs a binary search instead of a byte per element, and a 32 MiB map needs no 8 MiB bitmap.
 */
export class RunSet {
  // Parallel arrays: run k is [starts[k], ends[k]) with tags[k]; starts and ends both increase.
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly tags: number[] = [];
  /** Elements covered. */
  covered = 0;

  get runs(): number {
    return this.starts.length;
  }

  /** The runs as [start0, end0, start1, end1, ...] (tags dropped): how a worker thread is handed a written set. */
  toPairs(): number[] {
    const out: number[] = [];
    for (let k = 0; k < this.starts.length; k++) out.push(this.starts[k]!, this.ends[k]!);
    return out;
  }

  /** The union of the runs of `toPairs` output. */
  static fromPairs(pairs: readonly number[]): RunSet {
    const set = new RunSet();
    for (let k = 0; k + 1 < pairs.length; k += 2) set.union(pairs[k]!, pairs[k + 1]!);
    return set;
  }

  /** The first run whose end is above x (or at x too, with `touching`); runs.length if none. */
  private after(x: number, touching: boolean): number {
    const ends = this.ends;
    // Writes mostly extend the last run: look there first.
    const last = ends.length - 1;
    if (last < 0 || ends[last]! < x || (!touching && ends[last] === x)) return ends.length;
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = ends[mid]!;
      if (e > x || (touching && e === x)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The first run overlapping [start, end) (start < end), or -1. */
  overlapping(start: number, end: number): number {
    const k = this.after(start, false);
    return k < this.starts.length && this.starts[k]! < end ? k : -1;
  }

  startOf(k: number): number {
    return this.starts[k]!;
  }

  tagOf(k: number): number {
    return this.tags[k]!;
  }

  /**
   * Adds [start, end) with `tag`, which must overlap no run (check with `overlapping`): it joins a run it
   * touches that has the same tag, else it is a run of its own.
   */
  addDisjoint(start: number, end: number, tag: number): void {
    if (start >= end) return;
    const k = this.after(start, true);
    const { starts, ends, tags } = this;
    this.covered += end - start;
    // Run k ends exactly at `start` (it touches on the left) or starts at or after `end`.
    const touchesLeft = k < ends.length && ends[k] === start;
    const joinsLeft = touchesLeft && tags[k] === tag;
    const right = touchesLeft ? k + 1 : k;
    const joinsRight = right < starts.length && starts[right] === end && tags[right] === tag;
    if (joinsLeft && joinsRight) {
      ends[k] = ends[right]!;
      starts.splice(right, 1);
      ends.splice(right, 1);
      tags.splice(right, 1);
    } else if (joinsLeft) {
      ends[k] = end;
    } else if (joinsRight) {
      starts[right] = start;
    } else {
      starts.splice(right, 0, start);
      ends.splice(right, 0, end);
      tags.splice(right, 0, tag);
    }
  }

  /** Adds [start, end) whatever it overlaps: one untagged run with every run it overlaps or touches. */
  union(start: number, end: number): void {
    if (start >= end) return;
    const { starts, ends, tags } = this;
    const k = this.after(start, true);
    let j = k;
    let lo = start;
    let hi = end;
    let inside = 0;
    while (j < starts.length && starts[j]! <= end) {
      lo = Math.min(lo, starts[j]!);
      hi = Math.max(hi, ends[j]!);
      inside += ends[j]! - starts[j]!;
      j++;
    }
    this.covered += hi - lo - inside;
    if (j === k) {
      starts.splice(k, 0, lo);
      ends.splice(k, 0, hi);
      tags.splice(k, 0, 0);
    } else {
      starts[k] = lo;
      ends[k] = hi;
      if (j > k + 1) {
        starts.splice(k + 1, j - k - 1);
        ends.splice(k + 1, j - k - 1);
        tags.splice(k + 1, j - k - 1);
      }
    }
  }

  /** The first index in [start, end) no run covers, or -1 (runs made by `union`: touching runs are merged). */
  firstGap(start: number, end: number): number {
    if (start >= end) return -1;
    const k = this.after(start, false);
    if (k === this.starts.length || this.starts[k]! > start) return start;
    const e = this.ends[k]!;
    return e >= end ? -1 : e;
  }

  /** The gaps in [0, length) as [start, end) pairs, in order. */
  gaps(length: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let at = 0;
    for (let k = 0; k < this.starts.length && at < length; k++) {
      if (this.starts[k]! > at) out.push([at, Math.min(this.starts[k]!, length)]);
      at = Math.max(at, this.ends[k]!);
    }
    if (at < length) out.push([at, length]);
    return out;
  }
}
