import { describe, expect, it } from 'vitest';
import { CachingAllocator, sizeClassBytes } from '../src/index';

/**
 * Issue 13 item 8: a pool keyed by exact length never reuses a buffer when shapes vary, and an uncapped pool
 * only grows. Size classes, views of class-sized buffers, a cap that trims the oldest, and emptyCache().
 */
describe('size classes', () => {
  it('round up by at most a quarter above 256 B and to 8 B below', () => {
    expect(sizeClassBytes(0)).toBe(0);
    expect(sizeClassBytes(24)).toBe(24);
    expect(sizeClassBytes(1000)).toBe(1024);
    for (let bytes = 257; bytes < 1e7; bytes = Math.ceil(bytes * 1.37)) {
      const c = sizeClassBytes(bytes);
      expect(c).toBeGreaterThanOrEqual(bytes);
      expect(c).toBeLessThanOrEqual(bytes * 1.25);
      expect(sizeClassBytes(c)).toBe(c);
    }
  });
});

describe('CachingAllocator under varying shapes', () => {
  it('serves nearby lengths and other dtypes from one buffer, as exact-length views at offset 0', () => {
    const a = new CachingAllocator();
    const first = a.alloc('float32', 1000);
    a.free('float32', first);
    const second = a.alloc('float32', 990);
    expect(second.buffer).toBe(first.buffer);
    expect([second.length, second.byteOffset]).toEqual([990, 0]);
    a.free('float32', second);
    const asInt = a.alloc('int32', 1000);
    expect(asInt.buffer).toBe(first.buffer);
    expect(a.stats.allocations).toBe(1);
  });

  it('zeroes only the view it hands out on request', () => {
    const a = new CachingAllocator();
    const big = a.alloc('float32', 1024);
    big.fill(7);
    a.free('float32', big);
    const small = a.alloc('float32', 900, true);
    expect(small.every((v) => v === 0)).toBe(true);
  });

  it('keeps at most maxPooledBytes, dropping the buffers freed longest ago first', () => {
    const a = new CachingAllocator(2 * 4096);
    // One at a time, so the working set never exceeds the cap and the cap is the budget.
    const arrays = [1024, 2048, 3072, 4096].map((n) => a.alloc('float32', n / 4)); // 1, 2, 3, 4 KiB
    a.resetPeak();
    for (const x of arrays) { a.free('float32', x); a.resetPeak(); }
    expect(a.stats.pooledBytes).toBeLessThanOrEqual(2 * 4096);
    // The 1 KiB and 2 KiB buffers were freed first and went; 3 KiB and 4 KiB stayed.
    expect(a.stats.pooledBytes).toBe(3072 + 4096);
    expect(a.alloc('float32', 768).buffer).toBe(arrays[2]!.buffer);
    a.emptyCache();
    expect(a.stats.pooledBytes).toBe(0);
    expect(a.alloc('float32', 1024).buffer).not.toBe(arrays[3]!.buffer);
  });

  it('with retainPeak, keeps a working set larger than the cap for reuse, and no more than its peak', () => {
    const a = new CachingAllocator(4096, Number.POSITIVE_INFINITY, true);
    const call = () => [16384, 16384, 8192].map((bytes) => a.alloc('float32', bytes / 4)); // 40 KiB live at once
    const first = call();
    for (const x of first) a.free('float32', x);
    // The cap is 4 KiB but the call's working set was 40 KiB: all of it stays pooled, and the next call reuses it.
    expect(a.stats.pooledBytes).toBe(40960);
    const second = call();
    expect(second.map((x) => x.buffer)).toEqual(expect.arrayContaining(first.map((x) => x.buffer)));
    expect(a.stats.allocations).toBe(3);
    for (const x of second) a.free('float32', x);
    expect(a.stats.pooledBytes + a.stats.liveBytes).toBeLessThanOrEqual(a.stats.peakBytes);
    // A new peak from nothing live: the budget falls back to the cap.
    a.resetPeak();
    expect(a.stats.pooledBytes).toBeLessThanOrEqual(4096);
    // Without retainPeak the cap holds: the same call leaves at most 4 KiB pooled.
    const capped = new CachingAllocator(4096);
    for (const x of [16384, 16384, 8192].map((bytes) => capped.alloc('float32', bytes / 4))) capped.free('float32', x);
    expect(capped.stats.pooledBytes).toBeLessThanOrEqual(4096);
  });

  it('holds a bounded pool over 2,000 random lengths (an exact-length pool held ~all of them)', () => {
    const cap = 8 * 2 ** 20;
    const a = new CachingAllocator(cap);
    let seed = 1;
    const next = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (let i = 0; i < 2000; i++) {
      const L = 16 + Math.floor(next() * 497);
      const xs = [a.alloc('float32', L * L), a.alloc('float32', 2 * L * L)];
      for (const x of xs) a.free('float32', x);
    }
    expect(a.stats.pooledBytes).toBeLessThanOrEqual(cap);
    expect(a.stats.liveBytes).toBe(0);
    // Size classes turn most requests into hits.
    expect(a.stats.poolHits).toBeGreaterThan(a.stats.allocations * 5);
  });
});
