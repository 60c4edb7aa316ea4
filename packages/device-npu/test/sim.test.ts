import { describe, expect, it } from 'vitest';
import {
  NpuAccessError, NpuSimulator, UbOverflowError, UninitializedReadError, UnwrittenOutputError, loadF32, makeNpuSpec, storeF32,
} from '../src/index';

const spec16 = makeNpuSpec({ ub: '16KiB', env: {} });

describe('UB allocator', () => {
  it('aligns every buffer to 32 bytes and counts double buffers twice', () => {
    const sim = new NpuSimulator(spec16);
    let peak = 0;
    sim.launch({ kernel: 'k', plan: 'p', cores: 1 }, (ctx) => {
      ctx.alloc('a', 1); // 4 B -> 32 B
      ctx.alloc('b', 9); // 36 B -> 64 B
      ctx.alloc('c', 8, { copies: 2 }); // 32 B x 2
      ctx.alloc('h', 3, { dtype: 'float16' }); // 6 B -> 32 B
    });
    peak = sim.records[0]!.ubPeakBytes;
    expect(peak).toBe(32 + 64 + 64 + 32);
  });

  it('throws UbOverflowError naming the kernel, the tile and every live buffer with its bytes', () => {
    const sim = new NpuSimulator(spec16);
    let err: unknown;
    try {
      sim.launch({ kernel: 'my-kernel', plan: 'p', cores: 2 }, (ctx) => {
        ctx.setTile('rows [0, 64) cols [0, 512)');
        ctx.alloc('ring', 2048); // 8192 B
        ctx.alloc('acc', 1000); // 4000 B
        ctx.alloc('stage', 2048, { dtype: 'float16', copies: 2 }); // 8192 B: does not fit
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UbOverflowError);
    const e = err as UbOverflowError;
    expect(e.kernel).toBe('my-kernel');
    expect(e.tile).toBe('rows [0, 64) cols [0, 512)');
    expect(e.requested).toEqual({ name: 'stage', bytes: 8192 });
    expect(e.live).toEqual([{ name: 'ring', bytes: 8192 }, { name: 'acc', bytes: 4000 }]);
    expect(e.message).toContain("kernel 'my-kernel'");
    expect(e.message).toContain('rows [0, 64) cols [0, 512)');
    expect(e.message).toContain('ring: 8,192 B');
    expect(e.message).toContain('acc: 4,000 B');
    expect(e.message).toContain("'stage' (8,192 B)");
    expect(e.message).toContain('16,384 B');
    expect(sim.records[0]!.error).toMatch(/UbOverflowError/);
  });

  it('reuses freed space exactly', () => {
    const sim = new NpuSimulator(spec16);
    sim.launch({ kernel: 'k', plan: 'p', cores: 1 }, (ctx) => {
      const a = ctx.alloc('a', 4096); // the whole 16 KiB
      ctx.free(a);
      ctx.alloc('b', 2048);
      ctx.alloc('c', 2048);
    });
    expect(sim.records[0]!.ubPeakBytes).toBe(16384);
  });
});

describe('GM access', () => {
  it('refuses host GM access while a kernel runs', () => {
    const sim = new NpuSimulator(spec16);
    const x = sim.upload('x', 'float32', [4], [1, 2, 3, 4]);
    expect(() => sim.launch({ kernel: 'sneaky', plan: 'p', cores: 1 }, () => { sim.download(x); })).toThrow(NpuAccessError);
    expect(() => sim.launch({ kernel: 'sneaky', plan: 'p', cores: 1 }, () => { sim.write(x, [0, 0, 0, 0]); })).toThrow(/while kernel 'sneaky' runs/);
  });

  it('leaves no path from a kernel context or a GM handle to GM storage', () => {
    const sim = new NpuSimulator(spec16);
    const odd = 12347; // a length nothing else has
    const gm = sim.upload('secret', 'float32', [odd], new Float32Array(odd).fill(7));
    const seen = new Set<unknown>();
    const reachable: ArrayBufferView[] = [];
    const walk = (x: unknown, depth: number): void => {
      if (x === null || (typeof x !== 'object' && typeof x !== 'function') || seen.has(x) || depth > 6) return;
      seen.add(x);
      if (ArrayBuffer.isView(x)) {
        reachable.push(x);
        return;
      }
      for (const k of Object.getOwnPropertyNames(x)) {
        let v: unknown;
        try {
          v = (x as Record<string, unknown>)[k];
        } catch {
          continue;
        }
        walk(v, depth + 1);
      }
    };
    sim.launch({ kernel: 'explorer', plan: 'p', cores: 1 }, (ctx) => {
      walk(ctx, 0);
      walk(gm, 0);
    });
    expect(reachable.length).toBeGreaterThan(0); // the UB arena is the kernel's own
    expect(reachable.some((a) => a.byteLength === odd * 4 || (a as Float32Array).length === odd)).toBe(false);
  });

  it('refuses buffers of another simulator and mismatched dtypes', () => {
    const a = new NpuSimulator(spec16);
    const b = new NpuSimulator(spec16);
    const x = a.upload('x', 'float16', [4], [1, 2, 3, 4]);
    expect(() => b.download(x)).toThrow(/does not belong to this simulator/);
    expect(() => a.launch({ kernel: 'k', plan: 'p', cores: 1 }, (ctx) => ctx.copyIn(ctx.alloc('f', 4), 0, x, 0, 4))).toThrow(/DMA does not convert/);
  });

  it('counts bytes, 32-byte bursts and transfers', () => {
    const sim = new NpuSimulator(spec16);
    const x = sim.upload('x', 'float32', [100], new Float32Array(100));
    const y = sim.alloc('y', 'float32', [100]);
    const rec = sim.launch({ kernel: 'k', plan: 'p', cores: 1, outputs: [y] }, (ctx) => {
      const u = ctx.alloc('u', 100);
      ctx.copyInPad(u, 0, x, 1, 8); // bytes 4..36: 2 bursts
      ctx.copyInPad(u, 0, x, 0, 100); // 400 B: 13 bursts
      ctx.copyOutPad(y, 0, u, 0, 100);
    });
    expect(rec.gmReadBytes).toBe(32 + 400);
    expect(rec.gmReadBurstBytes).toBe((2 + 13) * 32);
    expect(rec.gmWriteBytes).toBe(400);
    expect(rec.transfers).toBe(3);
  });

  it('casts through a half staging buffer with round-to-nearest-even', () => {
    const sim = new NpuSimulator(spec16);
    const x = sim.upload('x', 'float16', [3], [1, 1 + 2 ** -11, 3.14159]);
    const y = sim.alloc('y', 'bfloat16', [3]);
    sim.launch({ kernel: 'k', plan: 'p', cores: 1, outputs: [y] }, (ctx) => {
      const f = ctx.alloc('f', 3);
      loadF32(ctx, f, 0, x, 0, 3, ctx.alloc('s16', 16, { dtype: 'float16' }));
      storeF32(ctx, y, 0, f, 0, 3, ctx.alloc('sbf', 16, { dtype: 'bfloat16' }));
    });
    expect(Array.from(sim.download(x))).toEqual([1, 1, 3.140625]);
    expect(Array.from(sim.download(y))).toEqual([1, 1, 3.140625]);
  });

  it('loads a half run that starts inside a block at the block, with left padding and the pad value to the block end', () => {
    const sim = new NpuSimulator(spec16);
    const x = sim.upload('x', 'float16', [20], Array.from({ length: 20 }, (_, i) => i + 0.5));
    let got: number[] = [];
    sim.launch({ kernel: 'k', plan: 'p', cores: 1 }, (ctx) => {
      const f = ctx.alloc('f', 16);
      ctx.v.fill(f, 0, 16, 7);
      // Elements 11..15 of x land at f[3..8): three pad elements before them, the pad value after them to f[8).
      loadF32(ctx, f, 0, x, 11, 5, ctx.alloc('s16', 32, { dtype: 'float16' }), { left: 3, value: -Infinity });
      got = Array.from({ length: 16 }, (_, i) => ctx.v.get(f, i));
    });
    expect(got).toEqual([-Infinity, -Infinity, -Infinity, 11.5, 12.5, 13.5, 14.5, 15.5, 7, 7, 7, 7, 7, 7, 7, 7]);
  });
});

describe('poison mode', () => {
  /** A row-copy kernel whose loop over column blocks stops one block early when `broken` (skips the row tail). */
  function rowCopy(sim: NpuSimulator, broken: boolean): void {
    const rows = 5;
    const L = 37;
    const block = 8;
    const x = sim.upload('x', 'float32', [rows, L], Float32Array.from({ length: rows * L }, (_, i) => i));
    const y = sim.alloc('y', 'float32', [rows, L]);
    sim.launch({ kernel: broken ? 'row-copy-broken' : 'row-copy', plan: `block ${block}`, cores: 2, outputs: [y] }, (ctx) => {
      const buf = ctx.alloc('blk', block);
      const blocks = broken ? Math.floor(L / block) : Math.ceil(L / block);
      for (let r = ctx.coreId; r < rows; r += ctx.coreCount) {
        for (let b = 0; b < blocks; b++) {
          const n = Math.min(block, L - b * block);
          // Rows of 37 elements start anywhere in a 32-byte block: DataCopyPad moves them.
          ctx.copyInPad(buf, 0, x, r * L + b * block, n);
          ctx.copyOutPad(y, r * L + b * block, buf, 0, n);
        }
      }
    });
    expect(Array.from(sim.download(y))).toEqual(Array.from(sim.download(x)));
  }

  it('accepts a kernel that writes every output element', () => {
    expect(() => rowCopy(new NpuSimulator(spec16), false)).not.toThrow();
  });

  it('catches a kernel that skips the row tail, naming it and the first unwritten index', () => {
    let err: unknown;
    try {
      rowCopy(new NpuSimulator(spec16), true);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnwrittenOutputError);
    const e = err as UnwrittenOutputError;
    expect(e.kernel).toBe('row-copy-broken');
    expect(e.buffer).toBe('y');
    expect(e.firstIndex).toBe(32); // row 0, column 32: the 5-column tail
    expect(e.firstCoords).toEqual([0, 32]);
    expect(e.unwrittenCount).toBe(5 * 5);
    expect(e.message).toMatch(/row-copy-broken.*25 of 185.*flat index 32/s);
  });

  it('refuses to read output elements nobody wrote', () => {
    const sim = new NpuSimulator(spec16);
    const y = sim.alloc('y', 'float32', [16]);
    expect(() => sim.launch({ kernel: 'reader', plan: 'p', cores: 1 }, (ctx) => ctx.copyIn(ctx.alloc('u', 16), 0, y, 0, 16))).toThrow(UninitializedReadError);
  });

  it('starts outputs as NaN', () => {
    const sim = new NpuSimulator(spec16);
    expect(Number.isNaN(sim.download(sim.alloc('y', 'float16', [2]))[1])).toBe(true);
  });
});
