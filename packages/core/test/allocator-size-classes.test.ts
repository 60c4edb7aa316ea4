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
    const arrays = [1024, 2048, 3072, 4096].map((n) => a.alloc('float32', n / 4)); // 1, 2, 3, 4 KiB
    for (const x of arrays) a.free('float32', x);
    expect(a.stats.pooledBytes).toBeLessThanOrEqual(2 * 4096);
    // The 1 KiB and 2 KiB buffers were freed first and went; 3 KiB and 4 KiB stayed.
    expect(a.stats.pooledBytes).toBe(3072 + 4096);
    expect(a.alloc('float32', 768).buffer).toBe(arrays[2]!.buffer);
    a.emptyCache();
    expect(a.stats.pooledBytes).toBe(0);
    expect(a.alloc('float32', 1024).buffer).not.toBe(arrays[3]!.buffer);
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
