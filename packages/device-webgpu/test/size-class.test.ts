import { describe, expect, it } from 'vitest';
import { sizeClass } from '../src/size-class.js';

describe('the caching allocator\'s size classes', () => {
  it('are powers of two (at least 256 bytes) up to 1 MiB', () => {
    expect([1, 256, 257, 4000, 4096, 1 << 20].map(sizeClass)).toEqual([256, 256, 512, 4096, 4096, 1 << 20]);
  });

  it('are sixteenths of the next power of two above 1 MiB, wasting at most 12.5%', () => {
    for (const bytes of [(1 << 20) + 1, 3_000_001, 100_000_000, 2 ** 31 - 5]) {
      const c = sizeClass(bytes);
      expect(c).toBeGreaterThanOrEqual(bytes);
      expect(c / bytes).toBeLessThanOrEqual(1.125);
      expect(c % 256).toBe(0);
    }
  });
});
