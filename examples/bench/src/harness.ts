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

import type { ProcessMemory } from './types';

/** This process's memory as the formula reads it. */
export async function ownMemory(): Promise<ProcessMemory> {
  const usage = process.memoryUsage();
  return { rss: usage.rss, maxRss: process.resourceUsage().maxRSS * 1024, arrayBuffers: usage.arrayBuffers };
}

export interface MeasureOptions {
  /** Untimed runs first (JIT, allocator and page warm-up). */
  readonly warmup: number;
  /**
   * Untimed runs continue until the warm-up adds up to this many ms (default 0). A GPU sits at its idle clock
   * until it has been busy for a while: on the H200 a bench cell's few runs after setup (uploads, readbacks)
   * ran at 345 MHz instead of 1,980 and timed 2-5x slow (bench/h200/README.md).
   */
  readonly warmupMinMs?: number;
  /** At least this many timed runs. */
  readonly repeats: number;
  /** Keep running until the timed runs add up to this many ms, up to `maxRepeats`. */
  readonly minTimeMs: number;
  /** Default: max(repeats, 50). */
  readonly maxRepeats?: number;
  /** Called after every run, warm-up included: drives progress displays. */
  readonly onRun?: (event: RunEvent) => void;
  /**
   * Where the runtime computes in another process (PyTorch): that process's memory numbers, sampled
   * at the same moments and put through the same formula as this process's own.
   */
  readonly memoryUsage?: () => Promise<ProcessMemory>;
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
  private maxRss: number;
  private maxArrayBuffers: number;

  private constructor(private readonly read: () => Promise<ProcessMemory>, private readonly baseline: ProcessMemory) {
    this.maxRss = baseline.rss;
    this.maxArrayBuffers = baseline.arrayBuffers;
  }

  static async start(read: () => Promise<ProcessMemory>): Promise<MemorySampler> {
    return new MemorySampler(read, await read());
  }

  async sample(): Promise<void> {
    const usage = await this.read();
    this.maxRss = Math.max(this.maxRss, usage.rss);
    this.maxArrayBuffers = Math.max(this.maxArrayBuffers, usage.arrayBuffers);
  }

  async estimate(): Promise<{ peakExtraBytes: number; memory: MemoryEstimate }> {
    const highWater = (await this.read()).maxRss;
    const rose = highWater > this.baseline.maxRss;
    const memory: MemoryEstimate = {
      baselineRssBytes: this.baseline.rss,
      baselineArrayBuffersBytes: this.baseline.arrayBuffers,
      maxSampledRssBytes: this.maxRss,
      highWaterRssBytes: rose ? highWater : null,
      maxSampledArrayBuffersBytes: this.maxArrayBuffers,
    };
    const peakExtraBytes = Math.max(
      0,
      this.maxRss - this.baseline.rss,
      rose ? highWater - this.baseline.rss : 0,
      this.maxArrayBuffers - this.baseline.arrayBuffers,
    );
    return { peakExtraBytes, memory };
  }
}

/** Bound on the runs a warmupMinMs warm-up makes (a call of microseconds would otherwise take millions). */
const MAX_TIMED_WARMUP_RUNS = 10_000;

/** Runs `fn` options.warmup times untimed (and on to warmupMinMs), then times it; awaits it when it returns a promise. */
export async function measure(name: string, fn: () => unknown, options: MeasureOptions): Promise<Measurement> {
  checkCount(name, 'warmup', options.warmup, 0);
  checkCount(name, 'repeats', options.repeats, 1);
  const maxRepeats = options.maxRepeats ?? Math.max(options.repeats, 50);
  checkCount(name, 'maxRepeats', maxRepeats, options.repeats);
  if (!(options.minTimeMs >= 0)) throw new Error(`measure('${name}'): options.minTimeMs = ${options.minTimeMs}, expected a number >= 0.`);

  collectGarbage();
  const memory = await MemorySampler.start(options.memoryUsage ?? ownMemory);
  const runOnce = async (): Promise<number> => {
    const start = performance.now();
    const pending = fn();
    if (pending instanceof Promise) await pending;
    const elapsed = performance.now() - start;
    await memory.sample();
    return elapsed;
  };

  const warmupMs: number[] = [];
  const warmupMinMs = options.warmupMinMs ?? 0;
  let warmupTotal = 0;
  for (let i = 0; i < options.warmup || (warmupTotal < warmupMinMs && i < MAX_TIMED_WARMUP_RUNS); i++) {
    warmupMs.push(await runOnce());
    warmupTotal += warmupMs[i]!;
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
  return { name, warmupMs, samplesMs, medianMs: median(samplesMs), minMs: Math.min(...samplesMs), ...(await memory.estimate()) };
}
