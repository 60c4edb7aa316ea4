import type { MtaCpuPlan } from './plan.js';
import { instantiateSimdRowKernels, type SimdRowKernels } from './wasm-row-kernels.js';

/**
 * Per-thread scratch of the fused kernels: a ring of zero-padded float64 rows (a few rows per channel,
 * ~100 KiB at L = 1024, so it stays in L2), row buffers, the weights and the item's weight-gradient
 * sums. It lives in the memory of this thread's WebAssembly SIMD instance (when the engine has SIMD),
 * so the JavaScript around the row loops and the wasm loops see the same floats. Grown on demand and
 * kept for the life of the thread (each worker has its own module instance): no call allocates in its
 * loops.
 */
export interface MtaScratch {
  /** Weights as float64, then the bias. */
  readonly params: Float64Array;
  /** The current item's weight-gradient sums (float64). */
  readonly weightGrad: Float64Array;
  /** channels x span rows x rowLen: the rows a window of output rows reads. */
  readonly ring: Float64Array;
  /** One output row accumulator (forward) or transposed-convolution row (backward). */
  readonly acc: Float64Array;
  /** One input row converted to float64 (backward: P or S row). */
  readonly row: Float64Array;
  /** Sparsemax candidate values (JavaScript only). */
  readonly candidates: Float64Array;
  /** The wasm row loops, or null to use the JavaScript ones. Addresses below are byte offsets. */
  readonly simd: SimdRowKernels | null;
  readonly paramsAddress: number;
  readonly weightGradAddress: number;
  readonly ringAddress: number;
  readonly accAddress: number;
  readonly rowAddress: number;
}

interface Capacity {
  params: number;
  weightGrad: number;
  ring: number;
  row: number;
}

let cached: { scratch: MtaScratch; capacity: Capacity } | null = null;
let simdEnabled = true;

/**
 * Switches this thread between the wasm SIMD row loops and the JavaScript ones (tests compare the two).
 * Workers keep the default (SIMD when available).
 */
export function setSimdRowKernelsEnabled(enabled: boolean): void {
  if (enabled !== simdEnabled) {
    simdEnabled = enabled;
    cached = null;
  }
}

/** Whether the wasm SIMD loops are switched on for this thread (they may still be unavailable). */
export function simdRowKernelsEnabled(): boolean {
  return simdEnabled;
}

/** Whether this thread's scratch uses the wasm SIMD loops. */
export function simdRowKernelsActive(plan: MtaCpuPlan): boolean {
  return scratchFor(plan).simd !== null;
}

/** Rounds an element count up to whole 16-byte (two-float64) units, so every region is 16-aligned. */
const even = (count: number) => count + (count & 1);

export function scratchFor(plan: MtaCpuPlan): MtaScratch {
  const { wElems, Cin, Cout, depth } = plan.geometry;
  const need: Capacity = {
    params: even(wElems + Cout),
    weightGrad: even(wElems),
    ring: even(Math.max(Cin, Cout) * depth * plan.rowLen),
    row: even(plan.rowLen + 2),
  };
  if (cached !== null) {
    const have = cached.capacity;
    if (need.params <= have.params && need.weightGrad <= have.weightGrad && need.ring <= have.ring && need.row <= have.row) return cached.scratch;
    need.params = Math.max(need.params, have.params);
    need.weightGrad = Math.max(need.weightGrad, have.weightGrad);
    need.ring = Math.max(need.ring, have.ring);
    need.row = Math.max(need.row, have.row);
  }
  // Slack after the last region: the loops never read past it, but a row may end at its boundary.
  const total = need.params + need.weightGrad + need.ring + 2 * need.row + 16;
  const instance = simdEnabled ? instantiateSimdRowKernels(total * 8) : null;
  const memory = instance ? new Float64Array(instance.memory.buffer, 0, total) : new Float64Array(total);
  let at = 0;
  const region = (count: number) => {
    const start = at;
    at += count;
    return { view: memory.subarray(start, start + count), address: start * 8 };
  };
  const params = region(need.params);
  const weightGrad = region(need.weightGrad);
  const ring = region(need.ring);
  const acc = region(need.row);
  const row = region(need.row);
  const scratch: MtaScratch = {
    params: params.view, weightGrad: weightGrad.view, ring: ring.view, acc: acc.view, row: row.view,
    candidates: new Float64Array(need.row),
    simd: instance?.kernels ?? null,
    paramsAddress: params.address, weightGradAddress: weightGrad.address, ringAddress: ring.address,
    accAddress: acc.address, rowAddress: row.address,
  };
  cached = { scratch, capacity: need };
  return scratch;
}
