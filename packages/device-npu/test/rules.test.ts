/**
 * The AscendC rules the simulator enforces, each shown firing on a deliberately wrong kernel and staying quiet
 * on the right one: DataCopy alignment, a DataCopy tail overwriting its neighbour, two cores writing the same
 * data, misaligned vector operands, reductions without a counted sharedTmpBuffer, and the toolchain's form
 * of the overflow error. Expected values come from the inputs themselves (a copy must reproduce them), never
 * from the simulator's own output.
 */
import { describe, expect, it } from 'vitest';
import {
  DmaAlignmentError, GmOverwriteError, GmWriteRaceError, NpuSimulator, ReduceTmpBufferError, UbOverflowError, UbTilingOverflowError,
  VectorAlignmentError, makeNpuSpec, planUbTiling, reduceTmpElems, seededValues, ubLimitsOf, ubWrite, type KernelContext,
} from '../src/index.js';

const spec = makeNpuSpec({ ub: '16KiB', env: {} });

/** Launch `body` on `cores` cores over a 2 x 12 float32 input and return the error it raised (or null) and the output. */
function rows2x12(cores: number, body: (ctx: KernelContext, io: { x: ReturnType<NpuSimulator['upload']>; y: ReturnType<NpuSimulator['alloc']> }) => void) {
  const sim = new NpuSimulator(spec);
  const values = seededValues(24, 5);
  const x = sim.upload('x', 'float32', [2, 12], values);
  const y = sim.alloc('y', 'float32', [2, 12]);
  let error: unknown = null;
  try {
    sim.launch({ kernel: 'rows', plan: 'one row per core', cores, outputs: [y] }, (ctx) => body(ctx, { x, y }));
  } catch (e) {
    error = e;
  }
  return { error, values, out: error ? null : sim.download(y) };
}

describe('DMA: DataCopy moves whole 32-byte blocks', () => {
  it('refuses a misaligned GM address, UB address or length, naming which and what to use instead', () => {
    const gm = rows2x12(1, (ctx, { x }) => ctx.copyIn(ctx.alloc('row', 16), 0, x, 12, 8)); // row 1 starts at byte 48
    expect(gm.error).toBeInstanceOf(DmaAlignmentError);
    expect((gm.error as DmaAlignmentError).what).toBe('GM address');
    expect((gm.error as Error).message).toMatch(/copyIn in kernel 'rows': GM address of 'x' is 48 bytes, expected a multiple of 32.*copyInPad/);
    const ub = rows2x12(1, (ctx, { x }) => ctx.copyIn(ctx.alloc('row', 16), 1, x, 0, 8));
    expect((ub.error as DmaAlignmentError).what).toBe('UB address');
    const len = rows2x12(1, (ctx, { x }) => ctx.copyIn(ctx.alloc('row', 16), 0, x, 0, 12)); // 48 bytes
    expect((len.error as DmaAlignmentError).what).toBe('length');
    expect((len.error as Error).message).toMatch(/length of 'x' is 48 bytes.*copyInPad \(DataCopyPad\)/);
  });

  it('moves the same rows with DataCopyPad: exact elements, the UB side padded', () => {
    let padded: number[] = [];
    const run = rows2x12(1, (ctx, { x, y }) => {
      const row = ctx.alloc('row', 16);
      for (let r = 0; r < 2; r++) {
        ctx.copyInPad(row, 0, x, r * 12, 12, { value: -1 });
        if (r === 0) padded = [12, 13, 14, 15].map((i) => ctx.v.get(row, i));
        ctx.copyOutPad(y, r * 12, row, 0, 12);
      }
    });
    expect(run.error).toBeNull();
    expect(Array.from(run.out!)).toEqual(Array.from(run.values));
    expect(padded).toEqual([-1, -1, -1, -1]); // the rest of the last 32-byte block holds the pad value
  });

  it('puts left padding before data that does not start a block, and refuses a UB address inside a block', () => {
    const run = rows2x12(1, (ctx, { x, y }) => {
      const row = ctx.alloc('row', 16);
      ctx.copyInPad(row, 0, x, 0, 12, { left: 3, value: 0 });
      expect([0, 1, 2, 3].map((i) => ctx.v.get(row, i))).toEqual([0, 0, 0, Math.fround(seededValues(24, 5)[0]!)]);
      ctx.copyInPad(row, 0, x, 12, 12);
      ctx.copyOutPad(y, 0, row, 0, 12);
      ctx.copyOutPad(y, 12, row, 0, 12);
    });
    expect(run.error).toBeNull();
    const bad = rows2x12(1, (ctx, { x }) => ctx.copyInPad(ctx.alloc('row', 16), 3, x, 0, 12));
    expect((bad.error as DmaAlignmentError).what).toBe('UB address');
  });
});

describe('DMA: a DataCopy tail rounded up to a whole block', () => {
  // The classic bug: a 12-element row (48 B) written with DataCopy rounded up to 16 elements (64 B).
  const roundedUp = (ctx: KernelContext, y: Parameters<KernelContext['copyOut']>[0], src: Parameters<KernelContext['copyOut']>[2], r: number): void =>
    ctx.copyOut(y, r * 12, src, 0, 16);

  it('overwrites the neighbouring row: caught whichever row is written first', () => {
    for (const order of [[0, 1], [1, 0]]) {
      const run = rows2x12(1, (ctx, { x, y }) => {
        const row = ctx.alloc('row', 16);
        for (const r of order) {
          ctx.copyInPad(row, 0, x, r * 12, 12);
          if (r === 0) roundedUp(ctx, y, row, 0);
          else ctx.copyOutPad(y, 12, row, 0, 12);
        }
      });
      expect(run.error).toBeInstanceOf(GmOverwriteError);
      expect((run.error as GmOverwriteError).element).toBe(12);
      expect((run.error as Error).message).toMatch(/core 0 writes element 12 of GM 'y' a second time.*copyOutPad \(DataCopyPad\)/);
    }
  });

  it('on two cores it is a race naming both cores and the 32-byte block', () => {
    const run = rows2x12(2, (ctx, { x, y }) => {
      const row = ctx.alloc('row', 16);
      const r = ctx.coreId;
      ctx.copyInPad(row, 0, x, r * 12, 12);
      if (r === 0) roundedUp(ctx, y, row, 0);
      else ctx.copyOutPad(y, 12, row, 0, 12);
    });
    expect(run.error).toBeInstanceOf(GmWriteRaceError);
    const e = run.error as GmWriteRaceError;
    expect([e.firstCore, e.secondCore, e.element, e.block]).toEqual([0, 1, 12, 1]);
  });

  it('two cores writing the same whole block is a race', () => {
    const run = rows2x12(2, (ctx, { x, y }) => {
      const row = ctx.alloc('row', 8);
      ctx.copyIn(row, 0, x, 0, 8);
      ctx.copyOut(y, 0, row, 0, 8);
    });
    expect(run.error).toBeInstanceOf(GmWriteRaceError);
    expect((run.error as Error).message).toMatch(/cores 0 and 1 both write element 0 of GM 'y' \(32-byte block 0\)/);
  });

  it('DataCopyPad writes exactly the row: two cores, no race, the input comes back', () => {
    const run = rows2x12(2, (ctx, { x, y }) => {
      const row = ctx.alloc('row', 16);
      ctx.copyInPad(row, 0, x, ctx.coreId * 12, 12);
      ctx.copyOutPad(y, ctx.coreId * 12, row, 0, 12);
    });
    expect(run.error).toBeNull();
    expect(Array.from(run.out!)).toEqual(Array.from(run.values));
  });
});

/** Run a one-core kernel on its own simulator; the error it raised, or null. */
function kernelError(body: (ctx: KernelContext) => void): unknown {
  try {
    new NpuSimulator(spec).launch({ kernel: 'vec', plan: 'p', cores: 1 }, body);
    return null;
  } catch (e) {
    return e;
  }
}

describe('vector unit: operands start on 32-byte blocks', () => {
  it('refuses an operand one element into a block, and accepts it on the block', () => {
    const shifted = kernelError((ctx) => {
      const a = ctx.alloc('a', 32);
      const b = ctx.alloc('b', 32);
      ctx.v.fill(a, 0, 32, 1);
      ctx.v.fill(b, 0, 32, 2);
      ctx.v.add(a, 0, b, 1, 16); // a tap shifted by one element
    });
    expect(shifted).toBeInstanceOf(VectorAlignmentError);
    expect((shifted as Error).message).toMatch(/vector op 'add' in kernel 'vec': operand 'b' \[1, 17\) starts at UB byte \d+, expected a multiple of 32.*gather/);
    expect(kernelError((ctx) => {
      const a = ctx.alloc('a', 32);
      ctx.v.fill(a, 0, 32, 1);
      ctx.v.add(a, 0, a, 8, 16);
    })).toBeNull();
  });

  it('realigns shifted data with gather, and the scalar unit may read any element', () => {
    let got: number[] = [];
    expect(kernelError((ctx) => {
      const src = ctx.alloc('src', 16);
      const idx = ctx.alloc('idx', 8);
      const dst = ctx.alloc('dst', 8);
      ubWrite(ctx, src, Array.from({ length: 16 }, (_, i) => 10 + i));
      ctx.v.arange(idx, 0, 8);
      ctx.v.gather(dst, 0, src, 3, idx, 0, 8);
      got = Array.from({ length: 8 }, (_, i) => ctx.v.get(dst, i));
    })).toBeNull();
    expect(got).toEqual([13, 14, 15, 16, 17, 18, 19, 20]);
  });

  it('splits a count-mode instruction past 255 repeats into several', () => {
    let instructions = 0;
    const n = 64 * 255 + 1;
    const big = new NpuSimulator(makeNpuSpec({ ub: '192KiB', env: {} }));
    big.launch({ kernel: 'big', plan: 'p', cores: 1 }, (ctx) => {
      const a = ctx.alloc('a', n);
      ctx.v.fill(a, 0, n, 0);
      instructions = ctx.v.counters.instructions;
    });
    expect(instructions).toBe(2);
  });
});

describe('vector unit: reductions need a sharedTmpBuffer counted in the UB', () => {
  const n = 1000;
  it('refuses a reduction with no tmp buffer or one too small, naming the size it needs', () => {
    const none = kernelError((ctx) => {
      const a = ctx.alloc('a', n);
      ctx.v.fill(a, 0, n, 1);
      ctx.v.reduceMax(a, 0, n);
    });
    expect(none).toBeInstanceOf(ReduceTmpBufferError);
    expect((none as Error).message).toMatch(new RegExp(`reduceMax.*over ${n} elements needs a sharedTmpBuffer of ${reduceTmpElems(n)} float32 elements.*none is bound`));
    const small = kernelError((ctx) => {
      const a = ctx.alloc('a', n);
      ctx.v.useSharedTmp(ctx.alloc('tmp', 8));
      ctx.v.fill(a, 0, n, 1);
      ctx.v.reduceSum(a, 0, n);
    });
    expect((small as Error).message).toMatch(/'tmp' holds 8/);
  });

  it('runs with a bound buffer of reduceTmpElems(n), which the UB peak counts', () => {
    const sim = new NpuSimulator(spec);
    const values = seededValues(n, 9);
    let max = 0;
    const rec = sim.launch({ kernel: 'reduce', plan: 'p', cores: 1 }, (ctx) => {
      const a = ctx.alloc('a', n);
      ctx.v.useSharedTmp(ctx.alloc('tmp', reduceTmpElems(n)));
      ubWrite(ctx, a, values);
      max = ctx.v.reduceMax(a, 0, n);
    });
    expect(max).toBe(Math.max(...values));
    expect(reduceTmpElems(n)).toBe(16); // 16 partials of 64 lanes, two 32-byte blocks
    expect(rec.ubPeakBytes).toBe(Math.ceil((n * 4) / 32) * 32 + 16 * 4);
  });
});

describe('overflow errors in the toolchain form', () => {
  it('UbOverflowError carries Triton-Ascend\'s line beside the live buffers', () => {
    const err = kernelError((ctx) => {
      ctx.alloc('ring', 3000);
      ctx.alloc('acc', 2000);
    }) as UbOverflowError;
    expect(err).toBeInstanceOf(UbOverflowError);
    // 12,000 + 8,000 bytes against 16,384: the message speaks bits, as Triton-Ascend does.
    expect(err.message).toContain(`ub overflow, requires ${(12_000 + 8_000) * 8} bits while ${16_384 * 8} bits available!`);
    expect(err.message).toMatch(/ring: 12,000 B/);
  });

  it('the planner fails at plan time, before any kernel runs, in the same form', () => {
    let err: unknown;
    try {
      planUbTiling({ kernel: 'too-big', maxBlock: 4096, minBlock: 4096, buffers: (b) => [{ name: 'block', elems: b, dtype: 'float32', purpose: 'row' }] }, ubLimitsOf(spec));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UbTilingOverflowError);
    expect((err as Error).message).toContain(`ub overflow, requires ${4096 * 4 * 8} bits while ${Math.floor(16_384 * 0.9) * 8} bits available!`);
    expect((err as Error).message).toMatch(/block: 16,384 B/);
  });
});

describe('exclusive blocks (opt-in): two cores may not share a 32-byte block at all', () => {
  const run = (exclusiveBlocks: boolean): unknown => {
    const sim = new NpuSimulator(spec, { exclusiveBlocks });
    const x = sim.upload('x', 'float32', [2, 12], seededValues(24, 5));
    const y = sim.alloc('y', 'float32', [2, 12]);
    try {
      sim.launch({ kernel: 'rows', plan: 'one row per core', cores: 2, outputs: [y] }, (ctx) => {
        const row = ctx.alloc('row', 16);
        ctx.copyInPad(row, 0, x, ctx.coreId * 12, 12);
        ctx.copyOutPad(y, ctx.coreId * 12, row, 0, 12); // rows of 48 B: block 1 holds the end of row 0 and the start of row 1
      });
      return null;
    } catch (e) {
      return e;
    }
  };

  it('names the shared block and both cores when on; exact DataCopyPad writes pass when off', () => {
    const err = run(true);
    expect(err).toBeInstanceOf(GmWriteRaceError);
    const e = err as GmWriteRaceError;
    expect([e.shared, e.block, e.firstCore, e.secondCore, e.element]).toEqual(['block', 1, 0, 1, 12]);
    expect(e.message).toMatch(/cores 0 and 1 both write 32-byte block 1 of GM 'y'/);
    expect(run(false)).toBeNull();
  });
});
