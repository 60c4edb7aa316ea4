import { afterAll, beforeAll } from 'vitest';
import { cpuArena } from '@mta/device-cpu';
import { MtaCpuPool } from '../../src/kernels/cpu/pool';

/**
 * For suites that run the float32 loops on maps in the cpu arena, on a pool worker: a two-thread pool whose
 * caller only waits (every item runs on the worker), and arena ranges given back when the suite ends.
 * Registers its own beforeAll / afterAll hooks.
 */
export function arenaAndPool(): { readonly pool: () => MtaCpuPool; readonly take: (bytes: number) => Uint8Array } {
  let pool: MtaCpuPool | undefined;
  const taken: Uint8Array[] = [];
  beforeAll(async () => {
    pool = await MtaCpuPool.create({ threads: 2, callerWorks: false });
  });
  afterAll(async () => {
    await pool?.close();
    for (const range of taken.splice(0)) cpuArena.give(range);
  });
  return {
    pool: () => pool!,
    take(bytes) {
      const range = cpuArena.take(bytes);
      if (!range) throw new Error(`the cpu arena has no ${bytes} bytes left for this test`);
      taken.push(range);
      return range;
    },
  };
}

/** Null when two arrays hold the same values by Object.is (-0 and 0 apart, every NaN alike), else where they differ. */
export function bitsEqual(a: Float32Array | Float64Array, b: Float32Array | Float64Array): string | null {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return `index ${k}: ${a[k]} vs ${b[k]}`;
  return null;
}
