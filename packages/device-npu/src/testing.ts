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

export function ubRead(ctx: KernelContext, buf: UbBuf, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ctx.v.get(buf, i);
  return out;
}

export function seededValues(n: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, () => 2 * next() - 1);
}
