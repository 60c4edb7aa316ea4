/**
 * Double buffering as a plan property: the generic planner reserves BUFFER_NUM copies of streamed buffers
 * (2 when they fit, else 1), and the time estimate overlaps DMA with compute only for a double-buffered launch.
 * The expected bytes and times are computed here from the spec and the hand-sized buffers.
 */
import { describe, expect, it } from 'vitest';
import { NpuSimulator, findUbTiling, formatExplain, makeNpuSpec, planUbTiling, type UbBufferDecl, type UbLimits } from '../src/index.js';

const limits: UbLimits = { capacityBytes: 16 * 1024, alignmentBytes: 32, margin: 0.9 };
const budget = Math.floor(16 * 1024 * 0.9);
/** A streamed float32 input block and a fixed 4 KiB table that is not streamed. */
const layout = (block: number): UbBufferDecl[] => [
  { name: 'in', elems: block, dtype: 'float32', streamed: true, purpose: 'input block (DMA queue)' },
  { name: 'table', elems: 1024, dtype: 'float32', purpose: 'constant table' },
];
const bytes = (block: number, copies: number): number => Math.ceil((block * 4) / 32) * 32 * copies + 4096;

describe('BUFFER_NUM in the generic planner', () => {
  it('reserves two copies of a streamed buffer by default, one of the rest', () => {
    const t = planUbTiling({ kernel: 'stream', buffers: layout, maxBlock: 1 << 20 }, limits);
    expect(t.bufferNum).toBe(2);
    expect(t.doubleBuffered).toBe(true);
    expect(t.buffers.map((b) => [b.name, b.copies])).toEqual([['in', 2], ['table', 1]]);
    expect(t.ubBytes).toBe(bytes(t.block, 2));
    expect(bytes(t.block + 8, 2)).toBeGreaterThan(budget); // the largest block, to the 32-byte granule
  });

  it('falls back to one copy when no block fits double-buffered, and says so', () => {
    // minBlock 1400: 2 x 5,600 + 4,096 B > budget 14,745 B, 5,600 + 4,096 B fits.
    const t = findUbTiling({ kernel: 'stream', buffers: layout, maxBlock: 2000, minBlock: 1400 }, limits)!;
    expect([t.bufferNum, t.doubleBuffered]).toEqual([1, false]);
    expect(t.ubBytes).toBe(bytes(t.block, 1));
    expect(findUbTiling({ kernel: 'stream', buffers: layout, maxBlock: 2000, minBlock: 1400, bufferNum: 2 }, limits)).toBeNull();
  });

  it('honours an explicit BUFFER_NUM of 1', () => {
    const t = planUbTiling({ kernel: 'stream', buffers: layout, maxBlock: 1 << 20, bufferNum: 1 }, limits);
    expect(t.buffers[0]!.copies).toBe(1);
    expect(t.ubBytes).toBe(bytes(t.block, 1));
  });
});

describe('the time model', () => {
  it('overlaps DMA with compute only when the launch is double-buffered; explain shows both estimates', () => {
    const spec = makeNpuSpec({ ub: '16KiB', env: {} });
    const n = 1024;
    const records = [false, true].map((doubleBuffered) => {
      const sim = new NpuSimulator(spec);
      const x = sim.upload('x', 'float32', [n], new Float32Array(n).fill(1));
      const y = sim.alloc('y', 'float32', [n]);
      const rec = sim.launch({ kernel: 'scale', plan: 'p', cores: 1, outputs: [y], doubleBuffered }, (ctx) => {
        const buf = ctx.alloc('buf', n, { copies: doubleBuffered ? 2 : 1 });
        ctx.copyIn(buf, 0, x, 0, n);
        for (let k = 0; k < 20; k++) ctx.v.scale(buf, 0, n, 1.5);
        ctx.copyOut(y, 0, buf, 0, n);
      });
      return { rec, text: formatExplain(sim.explain()) };
    });
    // By hand: 2 x 4 KiB moved over the GM bandwidth; 20 passes of 16 repeats (64 lanes) at the clock.
    const gm = (2 * n * 4) / spec.gmBytesPerSecond;
    const vector = (20 * n) / 64 / spec.clockHz;
    const [single, double] = records;
    expect(single!.rec.estSeconds).toBeCloseTo(gm + vector + spec.launchOverheadSeconds, 12);
    expect(double!.rec.estSeconds).toBeCloseTo(Math.max(gm, vector) + spec.launchOverheadSeconds, 12);
    expect(single!.rec.estDoubleBufferedSeconds).toBeCloseTo(double!.rec.estSeconds, 12);
    expect(single!.text).toMatch(/single-buffered \(BUFFER_NUM 1\): estimate .*single-buffered .* us, double-buffered .* us/);
    expect(double!.text).toMatch(/double-buffered \(BUFFER_NUM 2\): estimate/);
  });
});
