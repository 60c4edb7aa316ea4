import type { MtaCpuPlan } from './plan.js';
import { instantiateF32RowKernels, type F32RowKernels } from './wasm-rows-f32.js';

/**
 * Per-thread scratch of the float32 kernels (forward-item-f32.ts, backward-item-f32.ts): a ring of
 * zero-padded float32 rows (~50 KiB at L = 1024, ~400 KiB at L = 8192: it stays in L2), two row buffers,
 * the weights as float32 and the item's float64 weight-gradient sums, all in the memory of this
 * thread's wasm instance. Ring slots are `stride` floats: the padded row plus at least 4 floats of
 * slack, so the wasm loops may run whole quads past a row's end without reaching the next slot.
 */
export interface F32Scratch {
  readonly kernels: F32RowKernels;
  /** Floats per ring slot (a multiple of 4). */
  readonly stride: number;
  readonly params: Float32Array;
  readonly weightGrad: Float64Array;
  readonly ring: Float32Array;
  readonly acc: Float32Array;
  readonly row: Float32Array;
  /** Address triples for conv3x3Multi / grad3Multi (3 per input channel or per (output channel, kernel row)). */
  readonly table: Int32Array;
  readonly tableAddress: number;
  readonly paramsAddress: number;
  readonly weightGradAddress: number;
  readonly ringAddress: number;
  readonly accAddress: number;
  readonly rowAddress: number;
}

let instance: { kernels: F32RowKernels; memory: { readonly buffer: ArrayBuffer; grow(pages: number): number } } | null | undefined;
let cached: F32Scratch | null = null;
let cachedKey = '';
/** The plan the cached scratch was last checked for: items of one call skip the layout arithmetic. */
let cachedPlan: MtaCpuPlan | null = null;
let enabled = true;

/** Turns the float32 kernels off on this thread (tests compare them with the float64 ones). */
export function setF32RowKernelsEnabled(on: boolean): void {
  enabled = on;
}

export function f32RowKernelsEnabled(): boolean {
  return enabled;
}

const quads = (floats: number) => (floats + 3) & ~3;

/** This thread's scratch for the plan, or null where wasm SIMD is unavailable. */
export function f32ScratchFor(plan: MtaCpuPlan): F32Scratch | null {
  if (plan === cachedPlan && cached !== null && cached.ring.buffer === instance?.memory.buffer) return cached;
  const { wElems, Cin, Cout, depth, L, pl, pr } = plan.geometry;
  // + 1: a slot's first float may be alignment padding (see loadInputRow in forward-item-f32.ts).
  const stride = quads(L + pl + pr + 1) + 8;
  // Byte layout; address 0 is never a buffer (dot() reads b = 0 as "no second operand").
  const layout = (() => {
    let at = 64;
    const take = (bytes: number) => { const start = at; at += (bytes + 63) & ~63; return start; };
    const params = take(4 * (wElems + Cout));
    const weightGrad = take(8 * wElems);
    const ring = take(4 * Math.max(Cin, Cout) * depth * stride);
    const acc = take(4 * stride);
    const row = take(4 * stride);
    const table = take(4 * 3 * Math.max(Cin, Cout * plan.geometry.kH));
    return { params, weightGrad, ring, acc, row, table, total: at + 64 };
  })();
  const key = `${stride}:${wElems}:${Cout}:${layout.ring}:${layout.acc}:${layout.total}`;
  if (cached !== null && cachedKey === key && cached.ring.buffer === instance?.memory.buffer) {
    cachedPlan = plan;
    return cached;
  }
  // One instance per thread for its life; its memory only grows (growing detaches the old views).
  if (instance === undefined) instance = instantiateF32RowKernels(layout.total);
  if (instance === null) return null;
  const have = instance.memory.buffer.byteLength;
  if (layout.total > have) instance.memory.grow(Math.ceil((layout.total - have) / 65536));
  const buffer = instance.memory.buffer;
  cachedKey = key;
  cached = {
    kernels: instance.kernels,
    stride,
    params: new Float32Array(buffer, layout.params, wElems + Cout),
    weightGrad: new Float64Array(buffer, layout.weightGrad, wElems),
    ring: new Float32Array(buffer, layout.ring, Math.max(Cin, Cout) * depth * stride),
    acc: new Float32Array(buffer, layout.acc, stride),
    row: new Float32Array(buffer, layout.row, stride),
    table: new Int32Array(buffer, layout.table, (layout.total - 64 - layout.table) >> 2),
    tableAddress: layout.table,
    paramsAddress: layout.params,
    weightGradAddress: layout.weightGrad,
    ringAddress: layout.ring,
    accAddress: layout.acc,
    rowAddress: layout.row,
  };
  cachedPlan = plan;
  return cached;
}
