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
    // Poison mode: an adopted output starts as NaN, like alloc's.
    expect(Number.isNaN(y[3]!)).toBe(true);
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

  it('checks an adopted output like an allocated one, and the array against the shape and dtype', () => {
    const sim = new NpuSimulator(spec);
    const gy = sim.adopt('y', 'float32', [16], new Float32Array(16), 'write');
    expect(() => sim.launch({ kernel: 'half', plan: '', cores: 1, outputs: [gy] }, (ctx) => {
      const b = ctx.alloc('b', 8);
      ctx.v.fill(b, 0, 8, 1);
      ctx.copyOut(gy, 0, b, 0, 8);
    })).toThrow(UnwrittenOutputError);
    expect(() => sim.adopt('z', 'float32', [4], new Float32Array(5), 'read')).toThrow(/Float32Array of 4/);
    expect(() => sim.adopt('z', 'float16', [4], new Float32Array(4), 'read')).toThrow(/Uint16Array of 4/);
  });
});
