/**
 * Global memory (GM) buffers. A `GmBuffer` is an opaque handle: it carries a name, a dtype and a shape,
 * but no data. The data lives in a module-private registry and is released only to the holder of the
 * owning simulator's private key, which the simulator never hands to kernel code. Kernels therefore can
 * reach GM only through the DMA methods of their `KernelContext`; that is enforced, not a convention.
 */
import { type DTypeStorage, type NpuDType, dtypeBytes } from './dtype.js';
import { NpuAccessError } from './errors.js';
import type { RunSet } from './run-set.js';

export class GmBuffer {
  /** Bytes per element in GM. */
  readonly elemBytes: number;
  constructor(
    readonly id: number,
    readonly name: string,
    readonly dtype: NpuDType,
    readonly shape: readonly number[],
    readonly length: number,
  ) {
    this.elemBytes = dtypeBytes(dtype);
  }
  get byteLength(): number {
    return this.length * this.elemBytes;
  }
  toString(): string {
    return `GmBuffer(${this.name}, ${this.dtype}, [${this.shape.join(', ')}])`;
  }
}

/**
 * What the registry keeps per buffer. `written` (poison mode) holds the elements ever written, as runs; null
 * once the buffer is known to be fully written (or outside poison mode).
 */
export interface GmStorage {
  readonly key: object;
  data: DTypeStorage;
  written: RunSet | null;
  freed: boolean;
  /**
   * null: the simulator's own storage (pooled when freed). 'read' / 'write': a host array adopted as GM
   * without a copy (NpuSimulator.adopt), never pooled; kernels may not write a 'read' one.
   */
  readonly borrowed: 'read' | 'write' | null;
  /**
   * Whether `data` is a range of the simulator's shared wasm memory (npu-arena.ts; `data.byteOffset` is then
   * its address there): a UB arena in the same memory copies it with wasm memory.copy.
   */
  readonly inArena: boolean;
}

const registry = new WeakMap<GmBuffer, GmStorage>();

export function registerGm(gm: GmBuffer, storage: GmStorage): void {
  registry.set(gm, storage);
}

/** The storage of `gm`, for the owner of `key` only. */
export function gmStorage(gm: GmBuffer, key: object): GmStorage {
  const s = registry.get(gm);
  if (!s || s.key !== key) {
    throw new NpuAccessError(`${String(gm)} does not belong to this simulator; GM data is reachable only through its simulator's DMA`);
  }
  if (s.freed) throw new NpuAccessError(`${String(gm)} was freed; allocate a new buffer`);
  return s;
}

export function shapeLength(shape: readonly number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${what}: shape [${shape.join(', ')}] must hold non-negative integers`);
    n *= d;
  }
  return n;
}

/** Row-major coordinates of a flat index (for error messages). */
export function unflatten(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(0);
  let rest = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d]!;
    out[d] = size === 0 ? 0 : rest % size;
    rest = size === 0 ? 0 : Math.floor(rest / size);
  }
  return out;
}
