/**
 * A tiny seeded uniform generator in [0, 1) (mulberry32) for tests whose fixed seeds select their inputs
 * (e.g. away from sparsemax kinks). Kept bit-exact: changing it would change what those tests check.
 * Models and initialisers use `Rng` (xoshiro) instead.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
