import type { Shape } from './shape.js';
import { sizeOf, validateShape } from './shape.js';
import type { Tensor } from './tensor.js';
import { tensor, type CreateOptions } from './ops/creation.js';

/**
 * A seeded generator (xoshiro128**), so every initialiser and data stream in the project is
 * reproducible from one integer. No hidden global state: pass the Rng you want used.
 */
export class Rng {
  private s0: number; private s1: number; private s2: number; private s3: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    // splitmix32 expands the seed so that nearby seeds give unrelated streams.
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next(); this.s1 = next(); this.s2 = next(); this.s3 = next();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0; this.s3 ^= this.s1; this.s1 ^= this.s2; this.s0 ^= this.s3;
    this.s2 ^= t; this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0; this.s1 >>>= 0; this.s2 >>>= 0; this.s3 >>>= 0;
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 2 ** 32;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  /** An independent generator derived from this one (for per-layer or per-worker streams). */
  fork(): Rng {
    return new Rng(this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export function randUniform(rng: Rng, shape: Shape, low = 0, high = 1, options: CreateOptions = {}): Tensor {
  validateShape(shape, 'randUniform shape');
  const values = new Float64Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = low + (high - low) * rng.uniform();
  return tensor(values, shape, { ...options, dtype: options.dtype ?? 'float32' });
}

export function randNormal(rng: Rng, shape: Shape, mean = 0, std = 1, options: CreateOptions = {}): Tensor {
  validateShape(shape, 'randNormal shape');
  const values = new Float64Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = mean + std * rng.normal();
  return tensor(values, shape, { ...options, dtype: options.dtype ?? 'float32' });
}
