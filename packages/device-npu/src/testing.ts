import { mulberry32 } from '@mta/core';
import type { KernelContext } from './sim.js';
import type { UbBuf } from './ub.js';

/**
 * Helpers for tests of vector instructions and kernels: put values into a UB buffer and read them back
 * through the vector unit (so the simulator's checks apply), and seeded inputs in [-1, 1).
 */
export function ubWrite(ctx: KernelContext, buf: UbBuf, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) ctx.v.set(buf, i, values[i]!);
}

/** Allocates one UB buffer per entry, named by its key and as long as its values, and writes the values in. */
export function ubStage<K extends string>(ctx: KernelContext, rows: Record<K, ArrayLike<number>>): Record<K, UbBuf> {
  const bufs = {} as Record<K, UbBuf>;
  for (const name of Object.keys(rows) as K[]) {
    bufs[name] = ctx.alloc(name, rows[name].length);
    ubWrite(ctx, bufs[name], rows[name]);
  }
  return bufs;
}

export function ubRead(ctx: KernelContext, buf: UbBuf, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ctx.v.get(buf, i);
  return out;
}

export function seededValues(n: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, () => 2 * next() - 1);
}
