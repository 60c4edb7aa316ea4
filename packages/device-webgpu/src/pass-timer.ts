import { BufferUsage, MapMode } from './gpu-flags.js';

/**
 * GPU time per compute pass, from the adapter's timestamp queries (the `timestamp-query` feature): how a
 * kernel author finds which pass of a call is slow, without the submit and readback latency that
 * wall-clock timing around `onSubmittedWorkDone()` includes. Off unless `WebgpuContext.startPassTiming()`
 * was called; then every ComputeBatch writes a timestamp at the start and end of each pass and, after its
 * submit, reads them back. Totals are per pass label.
 */
export interface PassTime {
  readonly label: string;
  /** Passes with this label that were timed. */
  readonly count: number;
  /** Sum of their GPU durations, milliseconds. */
  readonly totalMs: number;
}

/** Most passes one batch records (two timestamps each); a batch with more leaves the rest untimed. */
const MAX_PASSES = 64;

export class PassTimer {
  private readonly totals = new Map<string, { count: number; ns: bigint }>();
  private readonly pending: Promise<void>[] = [];
  /** Passes a batch could not time (more than MAX_PASSES), reported so a total is never silently short. */
  private untimed = 0;

  constructor(private readonly device: GPUDevice) {}

  /** One batch's recorder: timestamp writes for each pass, resolved into a readback at submit. */
  begin(): BatchPassTimes {
    return new BatchPassTimes(this.device, MAX_PASSES, (labels, read) => {
      this.pending.push(read.then((ns) => {
        labels.forEach((label, k) => {
          const t = this.totals.get(label) ?? { count: 0, ns: 0n };
          t.count += 1;
          t.ns += ns[k]!;
          this.totals.set(label, t);
        });
      }));
    }, () => { this.untimed += 1; });
  }

  /** Waits for every recorded batch's timestamps and returns the totals, slowest first. */
  async collect(): Promise<{ passes: PassTime[]; untimedPasses: number }> {
    await Promise.all(this.pending.splice(0));
    const passes = [...this.totals].map(([label, t]) => ({ label, count: t.count, totalMs: Number(t.ns) / 1e6 }));
    return { passes: passes.sort((a, b) => b.totalMs - a.totalMs), untimedPasses: this.untimed };
  }
}

export class BatchPassTimes {
  private readonly querySet: GPUQuerySet;
  private readonly labels: string[] = [];

  constructor(
    private readonly device: GPUDevice,
    private readonly capacity: number,
    private readonly onRead: (labels: readonly string[], durationsNs: Promise<bigint[]>) => void,
    private readonly onUntimed: () => void,
  ) {
    this.querySet = device.createQuerySet({ type: 'timestamp', count: capacity * 2 });
  }

  /** The `timestampWrites` of the next pass, or undefined once the batch's query set is full. */
  writes(label: string): GPUComputePassTimestampWrites | undefined {
    if (this.labels.length >= this.capacity) {
      this.onUntimed();
      return undefined;
    }
    const k = this.labels.length;
    this.labels.push(label);
    return { querySet: this.querySet, beginningOfPassWriteIndex: 2 * k, endOfPassWriteIndex: 2 * k + 1 };
  }

  /** Records the resolve and copy into `encoder` (before finish); call `read` after the submit. */
  resolve(encoder: GPUCommandEncoder): (() => void) | null {
    const n = this.labels.length;
    if (n === 0) {
      this.querySet.destroy();
      return null;
    }
    const bytes = n * 2 * 8;
    const resolved = this.device.createBuffer({ size: bytes, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC });
    const readback = this.device.createBuffer({ size: bytes, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    encoder.resolveQuerySet(this.querySet, 0, n * 2, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, readback, 0, bytes);
    return () => {
      const durations = readback.mapAsync(MapMode.READ).then(() => {
        const stamps = new BigUint64Array(readback.getMappedRange().slice(0));
        readback.unmap();
        readback.destroy();
        resolved.destroy();
        this.querySet.destroy();
        // A pass the GPU reordered or the clock wrapped reads as a negative span: count it as zero, not 2^64 ns.
        return Array.from({ length: n }, (_, k) => (stamps[2 * k + 1]! > stamps[2 * k]! ? stamps[2 * k + 1]! - stamps[2 * k]! : 0n));
      });
      this.onRead([...this.labels], durations);
    };
  }
}
