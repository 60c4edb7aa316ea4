/**
 * The small seeded uniform generator the raw-kernel tests draw their inputs from. Kept exactly as the
 * tests were written against it (their fixed seeds select inputs away from sparsemax kinks).
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
