/**
 * What the simulator records of each launch and each logical op (a group of launches): the data explain()
 * reports. A module of its own so the simulator (which writes records) and explain (which reads them) both
 * depend on it instead of on each other.
 */
export interface LaunchRecord {
  readonly kernel: string;
  readonly group: string | null;
  readonly plan: string;
  readonly cores: number;
  readonly ubCapacityBytes: number;
  readonly ubPeakBytes: number;
  readonly gmReadBytes: number;
  readonly gmWriteBytes: number;
  readonly gmReadBurstBytes: number;
  readonly gmWriteBurstBytes: number;
  readonly transfers: number;
  readonly minReadBytes: number | null;
  readonly minWriteBytes: number | null;
  readonly vectorElemOps: number;
  readonly busiestCoreCycles: number;
  readonly estGmSeconds: number;
  readonly estVectorSeconds: number;
  /** The plan double-buffers its streamed buffers: estSeconds overlaps DMA with compute. */
  readonly doubleBuffered: boolean;
  /** The estimate this launch gets: the double-buffered one when its plan is, else the single-buffered one. */
  readonly estSeconds: number;
  /** GM + vector time + overhead: each transfer waited for (BUFFER_NUM = 1). */
  readonly estSingleBufferedSeconds: number;
  /** max(GM, vector time) + overhead: transfers hidden behind compute (BUFFER_NUM = 2). */
  readonly estDoubleBufferedSeconds: number;
  readonly wallMs: number;
  readonly error: string | null;
}

export interface GroupRecord {
  readonly name: string;
  readonly minReadBytes: number;
  readonly minWriteBytes: number;
  readonly launches: number[];
}

/** Running sums over every launch, kept when the launches themselves are dropped from the log. */
export interface LaunchTotals {
  readonly launches: number;
  readonly failed: number;
  readonly gmReadBytes: number;
  readonly gmWriteBytes: number;
  readonly estSeconds: number;
  readonly wallMs: number;
}

/**
 * The last `limit` launches and op groups, plus totals over all of them. Launch indices (in
 * `GroupRecord.launches`) count from the first launch since clear(), so they stay valid as old records go;
 * `launchAt` answers undefined for a dropped one.
 */
export class LaunchLog {
  #launches: LaunchRecord[] = [];
  #groups: GroupRecord[] = [];
  #dropped = 0;
  #totals: LaunchTotals = emptyTotals();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`LaunchLog: recordLimit must be an integer >= 1, got ${limit}`);
  }

  /** Records a launch; returns its index. */
  addLaunch(r: LaunchRecord): number {
    const t = this.#totals;
    this.#totals = {
      launches: t.launches + 1, failed: t.failed + (r.error === null ? 0 : 1), gmReadBytes: t.gmReadBytes + r.gmReadBytes,
      gmWriteBytes: t.gmWriteBytes + r.gmWriteBytes, estSeconds: t.estSeconds + r.estSeconds, wallMs: t.wallMs + r.wallMs,
    };
    this.#launches.push(r);
    if (this.#launches.length > this.limit) {
      this.#launches.shift();
      this.#dropped++;
    }
    return t.launches;
  }

  addGroup(g: GroupRecord): void {
    this.#groups.push(g);
    if (this.#groups.length > this.limit) this.#groups.shift();
  }

  launchAt(index: number): LaunchRecord | undefined {
    return this.#launches[index - this.#dropped];
  }

  get launches(): readonly LaunchRecord[] { return this.#launches; }
  get groups(): readonly GroupRecord[] { return this.#groups; }
  /** Launches recorded but no longer kept. */
  get dropped(): number { return this.#dropped; }
  get totals(): LaunchTotals { return this.#totals; }

  clear(): void {
    this.#launches = [];
    this.#groups = [];
    this.#dropped = 0;
    this.#totals = emptyTotals();
  }
}

const emptyTotals = (): LaunchTotals => ({ launches: 0, failed: 0, gmReadBytes: 0, gmWriteBytes: 0, estSeconds: 0, wallMs: 0 });
