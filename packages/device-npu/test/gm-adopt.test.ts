/** Host arrays adopted as GM without a copy: inputs are read-only to kernels, outputs are written in place. */
import { describe, expect, it } from 'vitest';
import { NpuAccessError, NpuSimulator, UnwrittenOutputError, makeNpuSpec } from '../src/index.js';

const spec = makeNpuSpec({ env: {} });

describe('NpuSimulator.adopt', () => {
  it('reads an adopted input in place and writes an adopted output in place', () => {
    const sim = new NpuSimulator(spec);
    const x = Float32Array.from({ length: 16 }, (_, i) => i);
    const y = new Float32Array(16).fill(7);
    const gx = sim.adopt('x', 'float32', [16], x, 'read');
    const gy = sim.adopt('y', 'float32', [16], y, 'write');
    sim.launch({ kernel: 'double', plan: '', cores: 1, outputs: [gy] }, (ctx) => {
      const b = ctx.alloc('b', 16);
      ctx.copyIn(b, 0, gx, 0, 16);
      ctx.v.scale(b, 0, 16, 2);
      ctx.copyOut(gy, 0, b, 0, 16);
    });
    expect(Array.from(y)).toEqual(Array.from({ length: 16 }, (_, i) => 2 * i));
    const pooled = sim.pooledBytes;
    sim.free(gx);
    sim.free(gy);
    // Not the simulator's memory: nothing goes to its pools, and the arrays keep their values.
    expect(sim.pooledBytes).toBe(pooled);
    expect(x[5]).toBe(5);
    expect(y[5]).toBe(10);
  });

  it('refuses a kernel write, or a host write, to an adopted input', () => {
    const sim = new NpuSimulator(spec);
    const x = new Float32Array(16);
    const gx = sim.adopt('x', 'float32', [16], x, 'read');
    expect(() => sim.launch({ kernel: 'bad', plan: '', cores: 1 }, (ctx) => {
      const b = ctx.alloc('b', 16);
      ctx.v.fill(b, 0, 16, 1);
      ctx.copyOut(gx, 0, b, 0, 16);
    })).toThrow(NpuAccessError);
    expect(() => sim.write(gx, new Float32Array(16))).toThrow(/read-only host array/);
    expect(x.every((v) => v === 0)).toBe(true);
  });

  it('checks an adopted output like an allocated one (unwritten elements NaN), and the array against the shape and dtype', () => {
    const sim = new NpuSimulator(spec);
    const y = new Float32Array(16).fill(5);
    const gy = sim.adopt('y', 'float32', [16], y, 'write');
    expect(() => sim.launch({ kernel: 'half', plan: '', cores: 1, outputs: [gy] }, (ctx) => {
      const b = ctx.alloc('b', 8);
      ctx.v.fill(b, 0, 8, 1);
      ctx.copyOut(gy, 0, b, 0, 8);
    })).toThrow(UnwrittenOutputError);
    // Poison mode: what no kernel wrote is NaN, as in an allocated buffer.
    expect(Array.from(y)).toEqual([...Array<number>(8).fill(1), ...Array<number>(8).fill(NaN)]);
    // And so it is when the adopted output is freed before any check.
    const z = new Float32Array(16).fill(5);
    const gz = sim.adopt('z', 'float32', [16], z, 'write');
    sim.launch({ kernel: 'part', plan: '', cores: 1 }, (ctx) => {
      const b = ctx.alloc('b', 8);
      ctx.v.fill(b, 0, 8, 2);
      ctx.copyOut(gz, 8, b, 0, 8);
    });
    sim.free(gz);
    expect(Array.from(z)).toEqual([...Array<number>(8).fill(NaN), ...Array<number>(8).fill(2)]);
    expect(() => sim.adopt('z', 'float32', [4], new Float32Array(5), 'read')).toThrow(/Float32Array of 4/);
    expect(() => sim.adopt('z', 'float16', [4], new Float32Array(4), 'read')).toThrow(/Uint16Array of 4/);
  });
});

describe('poison mode NaN', () => {
  it('is what a host read sees of an allocated buffer wherever no kernel wrote, in every dtype, from reused memory too', () => {
    const sim = new NpuSimulator(spec);
    for (const dtype of ['float32', 'float16', 'bfloat16'] as const) {
      // A freed buffer of the same size holds old values: its reuse must still read NaN where unwritten.
      sim.free(sim.upload('old', dtype, [40], Array.from({ length: 40 }, (_, i) => i + 1)));
      const gm = sim.alloc('out', dtype, [40]);
      sim.launch({ kernel: 'some', plan: '', cores: 1 }, (ctx) => {
        const f = ctx.alloc('f', 16);
        ctx.v.fill(f, 0, 16, 3);
        const b = dtype === 'float32' ? f : ctx.alloc('b', 16, { dtype });
        if (b !== f) ctx.v.cast(b, 0, f, 0, 16);
        ctx.copyOut(gm, 16, b, 0, 16);
      });
      const want = Array.from({ length: 40 }, (_, i) => (i >= 16 && i < 32 ? 3 : NaN));
      expect(Array.from(sim.download(gm)), dtype).toEqual(want);
      const into = new Float32Array(40);
      sim.downloadInto(gm, into);
      expect(Array.from(into)).toEqual(want);
      expect(sim.unwrittenCount(gm)).toBe(24);
      sim.free(gm);
    }
  });
});
