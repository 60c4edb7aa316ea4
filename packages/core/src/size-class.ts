/**
 * Size classes for the caching allocators. A pool keyed by exact length never reuses a buffer when shapes
 * vary (every L of an attention map is a new length), so it only grows. Rounding each request up to a class
 * lets nearby lengths share buffers: up to 256 B, multiples of 8 B; above, four steps per power of two
 * (2^k, 1.25 * 2^k, 1.5 * 2^k, 1.75 * 2^k), so a class wastes at most a quarter of its bytes.
 */
export const SMALL_CLASS_LIMIT = 256;

export function sizeClassBytes(bytes: number): number {
  if (bytes <= SMALL_CLASS_LIMIT) return Math.ceil(bytes / 8) * 8;
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 2);
  return Math.ceil(bytes / step) * step;
}
