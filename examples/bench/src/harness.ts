/**
 * `measure`: time a function the way benchmarks.md asks (warm up, then the median and the minimum of
 * repeated runs) and estimate the memory its runs add.
 *
 * Memory method. Before the first warm-up run (after a GC when Node runs with --expose-gc) we record
 * the resident set size (rss) and `arrayBuffers` from `process.memoryUsage()`, and the kernel's rss
 * high-water mark (`process.resourceUsage().maxRSS`). After every run we sample both again.
 *   peakExtraBytes = max(largest sampled rss - baseline rss,
 *                        rss high-water - baseline rss      (only if the high-water mark rose),
 *                        largest sampled arrayBuffers - baseline arrayBuffers)
 * The high-water mark catches peaks inside a synchronous run that no JS sample can see; rss catches
 * native and wasm memory; arrayBuffers catches JS typed arrays not yet touched (once touched they are
 * in rss too, so the two are not added). Memory a backend keeps between runs (pools, a grown wasm
 * heap) counts as extra: it is memory the op needs. It is a lower bound when an earlier run in the
 * same process already pushed the high-water mark higher, or left a grown heap behind: run one case
 * per process (the default of `pnpm bench`) for clean numbers.
 */

export interface MeasureOptions {
  /** Untimed runs first (JIT, allocator and page warm-up). */
  readonly warmup: number;
  /** At least this many timed runs. */
  readonly repeats: number;
  /** Keep running until the timed runs add up to this many ms, up to `maxRepeats`. */
  readonly minTimeMs: number;
  /** Default: max(repeats, 50). */
  readonly maxRepeats?: number;
  /** Called after every run, warm-up included: drives progress displays. */
  readonly onRun?: (event: RunEvent) => void;
}

export interface RunEvent {
  readonly name: string;
  readonly warmup: boolean;
  /** Runs finished so far in this stage (warm-up or timed). */
  readonly done: number;
  /** Planned runs in this stage; timed runs may go further to reach minTimeMs. */
  readonly planned: number;
  readonly lastMs: number;
}

export interface MemoryEstimate {
  readonly baselineRssBytes: number;
  readonly baselineArrayBuffersBytes: number;
  readonly maxSampledRssBytes: number;
  /** null when the kernel's high-water mark did not rise during the runs. */
  readonly highWaterRssBytes: number | null;
  readonly maxSampledArrayBuffersBytes: number;
}

export interface Measurement {
  readonly name: string;
  readonly warmupMs: readonly number[];
  readonly samplesMs: readonly number[];
  readonly medianMs: number;
  readonly minMs: number;
  readonly peakExtraBytes: number;
  readonly memory: MemoryEstimate;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median: no values; measure needs repeats >= 1.');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function checkCount(name: string, key: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`measure('${name}'): options.${key} = ${value}, expected an integer >= ${min}.`);
  }
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) gc();
}

class MemorySampler {
  private readonly baselineRss: number;
  private readonly baselineArrayBuffers: number;
  private readonly baselineHighWater: number;
  private maxRss: number;
  private maxArrayBuffers: number;

  constructor() {
    const usage = process.memoryUsage();
    this.baselineRss = usage.rss;
    this.baselineArrayBuffers = usage.arrayBuffers;
    this.baselineHighWater = process.resourceUsage().maxRSS * 1024;
    this.maxRss = usage.rss;
    this.maxArrayBuffers = usage.arrayBuffers;
  }

  sample(): void {
    const usage = process.memoryUsage();
    this.maxRss = Math.max(this.maxRss, usage.rss);
    this.maxArrayBuffers = Math.max(this.maxArrayBuffers, usage.arrayBuffers);
  }

  estimate(): { peakExtraBytes: number; memory: MemoryEstimate } {
    const highWater = process.resourceUsage().maxRSS * 1024;
    const rose = highWater > this.baselineHighWater;
    const memory: MemoryEstimate = {
      baselineRssBytes: this.baselineRss,
      baselineArrayBuffersBytes: this.baselineArrayBuffers,
      maxSampledRssBytes: this.maxRss,
      highWaterRssBytes: rose ? highWater : null,
      maxSampledArrayBuffersBytes: this.maxArrayBuffers,
    };
    const peakExtraBytes = Math.max(
      0,
      this.maxRss - this.baselineRss,
      rose ? highWater - this.baselineRss : 0,
      this.maxArrayBuffers - this.baselineArrayBuffers,
    );
    return { peakExtraBytes, memory };
  }
}

/** Runs `fn` options.warmup times untimed, then times it; awaits it when it returns a promise. */
export async function measure(name: string, fn: () => unknown, options: MeasureOptions): Promise<Measurement> {
  checkCount(name, 'warmup', options.warmup, 0);
  checkCount(name, 'repeats', options.repeats, 1);
  const maxRepeats = options.maxRepeats ?? Math.max(options.repeats, 50);
  checkCount(name, 'maxRepeats', maxRepeats, options.repeats);
  if (!(options.minTimeMs >= 0)) throw new Error(`measure('${name}'): options.minTimeMs = ${options.minTimeMs}, expected a number >= 0.`);

  collectGarbage();
  const memory = new MemorySampler();
  const runOnce = async (): Promise<number> => {
    const start = performance.now();
    const pending = fn();
    if (pending instanceof Promise) await pending;
    const elapsed = performance.now() - start;
    memory.sample();
    return elapsed;
  };

  const warmupMs: number[] = [];
  for (let i = 0; i < options.warmup; i++) {
    warmupMs.push(await runOnce());
    options.onRun?.({ name, warmup: true, done: i + 1, planned: options.warmup, lastMs: warmupMs[i] as number });
  }
  const samplesMs: number[] = [];
  let total = 0;
  while (samplesMs.length < options.repeats || (total < options.minTimeMs && samplesMs.length < maxRepeats)) {
    const ms = await runOnce();
    samplesMs.push(ms);
    total += ms;
    options.onRun?.({ name, warmup: false, done: samplesMs.length, planned: options.repeats, lastMs: ms });
  }
  return { name, warmupMs, samplesMs, medianMs: median(samplesMs), minMs: Math.min(...samplesMs), ...memory.estimate() };
}
