import type { Rng } from '../random.js';
import { randUniform } from '../random.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { DeviceLike } from '../device.js';
import type { FloatDType } from '../dtype.js';

/** Seeded initialisers, following PyTorch's conventions so results compare across frameworks. */
export interface InitOptions {
  readonly device?: DeviceLike;
  readonly dtype?: FloatDType;
}

/** fan_in of a weight (out, in, ...kernel): in * prod(kernel). */
export function fanIn(shape: Shape): number {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/** kaiming_uniform_(a): U(-b, b) with b = sqrt(6 / ((1 + a^2) fan_in)); a = sqrt(5) is PyTorch's Linear/Conv default. */
export function kaimingUniform(rng: Rng, shape: Shape, a = Math.sqrt(5), options: InitOptions = {}): Tensor {
  const bound = Math.sqrt(6 / ((1 + a * a) * fanIn(shape)));
  return randUniform(rng, shape, -bound, bound, options);
}

/** U(-1/sqrt(fan_in), 1/sqrt(fan_in)): PyTorch's bias default. */
export function fanInUniform(rng: Rng, shape: Shape, fan: number, options: InitOptions = {}): Tensor {
  const bound = 1 / Math.sqrt(fan);
  return randUniform(rng, shape, -bound, bound, options);
}
