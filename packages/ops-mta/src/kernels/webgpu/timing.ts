import { initDevice, tensor, tidy, type Tensor } from '@mta/core';
import { webgpuContext, type PassTime } from '@mta/device-webgpu';
import { multiTokenAttention } from '../../mta.js';
import type { MtaOptions } from '../../options.js';

/**
 * Device-resident timing of the webgpu MTA kernels, for a bench harness (examples/bench) or a script run
 * on a GPU machine: inputs live on the GPU, each timed call ends at `queue.onSubmittedWorkDone()`, the
 * first call (pipelines compiled inside it) is reported apart from the steady state (median of `repeats`).
 * It never reads results back. Requires `registerMtaWebgpu()`.
 */
export interface MtaWebgpuTimingOptions {
  readonly B: number;
  readonly C: number;
  readonly L: number;
  readonly K?: number;
  readonly mta?: Omit<MtaOptions, 'impl'>;
  readonly repeats?: number;
  /** float32 (the default) or float16 (every map packed two to a word, map-storage.ts). */
  readonly dtype?: 'float32' | 'float16';
  /** Also time each pass on the GPU (timestamp queries) over extra runs after the timed ones: see `passes`. */
  readonly passTiming?: boolean;
  /**
   * Untimed calls of each phase, after its first call, until they add up to this many ms (default 0): a GPU
   * leaves its idle clock only after being busy a while (the H200 sat at 345 MHz through a few calls with
   * host work between them; bench/h200/README.md).
   */
  readonly warmupMs?: number;
}

/** GPU milliseconds per pass label, averaged per call (the runs timed this way are not the ones in the medians). */
export interface MtaPassTimes {
  readonly forward: readonly PassTime[];
  readonly forwardBackward: readonly PassTime[];
  /** Calls each average is over. */
  readonly calls: number;
}

export interface MtaWebgpuTiming {
  readonly adapter: string;
  readonly workgroupSize: number;
  /** Milliseconds: the first forward, and the first forward + backward of a fresh shape (pipelines included). */
  readonly firstForwardMs: number;
  readonly firstForwardBackwardMs: number;
  /** Milliseconds, medians over the repeats. */
  readonly forwardMs: number;
  readonly forwardBackwardMs: number;
  /** Peak bytes of the device's memory during the runs. */
  readonly peakBytes: number;
  /**
   * GPU buffers created (not served by the caching allocator's pool) per steady-state call: 0 when the pool
   * holds the working set; more means each call pays buffer creation (and Dawn's zero-fill) in its wall time.
   */
  readonly allocationsPerCall: { readonly forward: number; readonly forwardBackward: number };
  readonly passes?: MtaPassTimes;
}

export async function timeMtaWebgpu(options: MtaWebgpuTimingOptions): Promise<MtaWebgpuTiming> {
  const { B, C, L, K = 3, repeats = 10, dtype = 'float32', warmupMs = 0 } = options;
  const mta: MtaOptions = { mode: 'post', padding: 'causal', ...options.mta, impl: 'fused' };
  await initDevice('webgpu');
  const ctx = webgpuContext();
  const done = () => ctx.device.queue.onSubmittedWorkDone();
  const random = (n: number, scale: number) => Float32Array.from({ length: n }, () => (Math.random() * 2 - 1) * scale);
  const scores = tensor(random(B * C * L * L, 3), [B, C, L, L], { device: 'webgpu', dtype, requiresGrad: true });
  const weight = tensor(random(C * C * K * K, 1 / K), [C, C, K, K], { device: 'webgpu', dtype, requiresGrad: true });
  const bias = tensor(random(C, 0.1), [C], { device: 'webgpu', dtype, requiresGrad: true });
  const gradOut = tensor(random(B * C * L * L, 1), [B, C, L, L], { device: 'webgpu', dtype });
  const leaves: Tensor[] = [scores, weight, bias];
  const clearGrads = () => leaves.forEach((t) => { t.grad?.dispose(); t.grad = null; });
  const forward = async () => {
    const t0 = performance.now();
    tidy(() => { multiTokenAttention(scores, weight, bias, mta); });
    await done();
    return performance.now() - t0;
  };
  const forwardBackward = async () => {
    const t0 = performance.now();
    tidy(() => multiTokenAttention(scores, weight, bias, mta).backward(gradOut));
    await done();
    const ms = performance.now() - t0;
    clearGrads();
    return ms;
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  try {
    await done();
    ctx.memory.resetPeak();
    const firstForwardMs = await forward();
    const firstForwardBackwardMs = await forwardBackward();
    for (const phase of [forward, forwardBackward]) {
      for (let spent = 0; spent < warmupMs;) spent += await phase();
    }
    const fwd: number[] = [];
    const both: number[] = [];
    const allocations = () => ctx.memory.counters().allocations;
    const a0 = allocations();
    for (let k = 0; k < repeats; k++) fwd.push(await forward());
    const a1 = allocations();
    for (let k = 0; k < repeats; k++) both.push(await forwardBackward());
    const allocationsPerCall = { forward: (a1 - a0) / repeats, forwardBackward: (allocations() - a1) / repeats };
    const peakBytes = ctx.memory.counters().peakBytes;
    // Nothing here reads results back, so a failed command would time as a fast call that did nothing.
    await ctx.settle(`timeMtaWebgpu at L = ${L}`);
    let passes: MtaPassTimes | undefined;
    if (options.passTiming) {
      const perCall = (xs: readonly PassTime[]) => xs.map((p) => ({ ...p, count: p.count / repeats, totalMs: p.totalMs / repeats }));
      ctx.startPassTiming();
      for (let k = 0; k < repeats; k++) await forward();
      const f = await ctx.stopPassTiming();
      ctx.startPassTiming();
      for (let k = 0; k < repeats; k++) await forwardBackward();
      const fb = await ctx.stopPassTiming();
      passes = { forward: perCall(f.passes), forwardBackward: perCall(fb.passes), calls: repeats };
    }
    return {
      adapter: ctx.adapterInfo, workgroupSize: ctx.limits.workgroupSize, firstForwardMs, firstForwardBackwardMs,
      forwardMs: median(fwd), forwardBackwardMs: median(both), peakBytes, allocationsPerCall, ...(passes ? { passes } : {}),
    };
  } finally {
    clearGrads();
    for (const t of [...leaves, gradOut]) t.dispose();
  }
}
