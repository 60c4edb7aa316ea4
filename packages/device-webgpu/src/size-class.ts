/**
 * The caching allocator's size classes: powers of two up to 1 MiB, then eighths of a power of two, so a
 * pooled buffer is reused for any request of its class and wastes at most 12.5% above 1 MiB. Every class
 * is a multiple of 256 bytes (WebGPU wants 4 for copies; 256 also keeps offsets bindable).
 */
export const MIN_CLASS_BYTES = 256;
const FINE_ABOVE = 1 << 20;

export function sizeClass(bytes: number): number {
  if (bytes <= MIN_CLASS_BYTES) return MIN_CLASS_BYTES;
  const pow = 2 ** Math.ceil(Math.log2(bytes));
  if (pow <= FINE_ABOVE) return pow;
  const step = pow / 16; // an eighth of the power of two below `bytes`
  return Math.ceil(bytes / step) * step;
}
