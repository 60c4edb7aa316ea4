/** Ring-buffer arithmetic of the band kernels. */

/** Non-negative modulo (ring slot of a possibly negative row index). */
export function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
