/**
 * With a core pool, GM and the calling thread's UB are ranges of the simulator's shared wasm memory
 * (npu-arena.ts), and DMA copies between them with wasm memory.copy instead of TypedArray.set. The copies must
 * move exactly the bits the plain path moves (NaN payloads, half bit patterns, unaligned GM runs, DataCopyPad's
 * padding), and the UB's own fills and moves, which run in wasm there (TypedArray.fill on a shared buffer is
 * slow), store exactly what the typed arrays store: compared here with a simulator without a pool.
 */
import { describe, expect, it } from 'vitest';
import { type KernelContext, type NpuCorePool, NpuSimulator, makeNpuSpec, npuArena } from '../src/index.js';

const spec = makeNpuSpec({ env: {} });

/** A pool that never takes a launch (one thread): the simulator still puts GM and its UB in the shared memory. */
const idlePool: NpuCorePool = {
  threads: 1,
  start: () => { throw new Error('not used'); },
  claim: () => -1,
  stop: () => {},
  finish: () => ({ results: [], error: null }),
};

/** Bits of every float32 in [-2^31, 2^31), NaN payloads and signed zeros included, from a fixed sequence. */
function bitsF32(n: number): Float32Array {
  const u = new Uint32Array(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + i) >>> 0;
    u[i] = i % 7 === 0 ? 0x7f800001 + (x & 0x3fffff) : i % 11 === 0 ? 0x80000000 : x;
  }
  return new Float32Array(u.buffer);
}

interface Run {
  readonly f32: Uint32Array;
  readonly f16: Uint16Array;
  readonly arena: { shared: boolean; base: number } | null;
}

function run(corePool: NpuCorePool | null): Run {
  const sim = new NpuSimulator(spec, { corePool });
  const n = 1000;
  const x = sim.upload('x', 'float32', [n], bitsF32(n));
  const y = sim.alloc('y', 'float32', [n]);
  let arena: Run['arena'] = null;
  sim.launch({ kernel: 'copies', plan: '', cores: 1, outputs: [y] }, (ctx: KernelContext) => {
    const w = ctx.v.wasm;
    arena = w === null ? null : { shared: w.shared, base: w.base };
    const a = ctx.alloc('a', 1024);
    // An unaligned GM run in with left padding (and the pad after it), out to an unaligned GM address.
    ctx.copyInPad(a, 0, x, 3, 501, { left: 5, value: -0 });
    ctx.copyOutPad(y, 7, a, 0, 509);
    // Whole blocks in, an unaligned run out, and the first elements last.
    ctx.copyIn(a, 512, x, 512, 488);
    // The UB's fills and moves (wasm in a shared memory, TypedArray.fill / copyWithin otherwise).
    ctx.v.fill(a, 576, 101, 3.25);
    ctx.v.zeroOutside(a, 512, 64, 5, 43);
    ctx.v.copy(a, 712, a, 904, 67);
    ctx.copyOutPad(y, 516, a, 512, 484);
    ctx.copyOutPad(y, 0, a, 512, 7);
  });
  // Half bit patterns (NaN included) through the u16 path, in at an odd GM offset behind left padding.
  const h = sim.upload('h', 'float16', [n], Array.from({ length: n }, (_, i) => (i % 5 === 0 ? NaN : (i - 500) / 7)));
  const hy = sim.alloc('hy', 'float16', [n]);
  sim.launch({ kernel: 'halves', plan: '', cores: 1, outputs: [hy] }, (ctx) => {
    const b = ctx.alloc('b', 1024, { dtype: 'float16' });
    ctx.copyInPad(b, 0, h, 1, 999, { left: 3, value: 2 });
    ctx.copyOutPad(hy, 0, b, 0, 1000);
  });
  return { f32: new Uint32Array(sim.downloadRaw(y).slice().buffer), f16: new Uint16Array(sim.downloadRaw(hy).slice()), arena };
}

describe('DMA in the shared wasm memory', () => {
  it('moves exactly the bits the plain path moves', () => {
    const plain = run(null);
    const shared = run(idlePool);
    expect(plain.arena?.shared ?? false).toBe(false);
    if (npuArena.memory !== null) {
      // The fast path really ran: the UB is a region of the shared memory, not at its start.
      expect(shared.arena?.shared).toBe(true);
      expect(shared.arena!.base).toBeGreaterThan(0);
    }
    expect(Array.from(shared.f32)).toEqual(Array.from(plain.f32));
    expect(Array.from(shared.f16)).toEqual(Array.from(plain.f16));
  });
});
