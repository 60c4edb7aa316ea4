import { Rng, describeValue, isTensor, type Tensor } from '@mta/core';
import { MtaArgumentError } from './errors.js';

/**
 * Type checks of the public MTA entry points' arguments, before anything reads them: a JavaScript caller
 * (or a type cast) can pass null, a number or a plain array where a Tensor or an options object belongs, and
 * reading a field of it would be a raw TypeError with no argument named. Values (sizes, modes, pads) are
 * checked later by mtaGeometry; here only the kind of each argument.
 */

/** A Tensor, or an MtaArgumentError naming the argument. */
export function requireTensor(where: string, argument: string, value: unknown, expected: string): asserts value is Tensor {
  if (!isTensor(value)) {
    throw new MtaArgumentError(where, argument, `a Tensor ${expected}`, describeValue(value), 'create one with tensor(), zeros() or randNormal() from @mta/core');
  }
}

/** A Tensor, null or undefined (an optional bias). */
export function requireOptionalTensor(where: string, argument: string, value: unknown, expected: string): asserts value is Tensor | null | undefined {
  if (value !== null && value !== undefined) requireTensor(where, argument, value, `${expected}, null or undefined`);
}

/** undefined or a plain object (not null, an array or a primitive): the options bag. */
export function requireOptions(where: string, argument: string, value: unknown): asserts value is object | undefined {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isTensor(value)) {
    throw new MtaArgumentError(where, argument, 'an options object or undefined', describeValue(value), 'pass {} (or leave it out) for the defaults');
  }
}

/** A whole number >= 1 (channel counts, kernel sizes). */
export function requirePositiveInteger(where: string, argument: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new MtaArgumentError(where, argument, 'a positive integer', describeValue(value), 'pass a whole number >= 1');
  }
}

/** An optional field of an options object that must be one of a few values, or of one type. */
export function requireOptionalOneOf(where: string, argument: string, value: unknown, allowed: readonly unknown[]): void {
  if (value !== undefined && !allowed.includes(value)) {
    throw new MtaArgumentError(where, argument, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')} (or undefined)`,
      describeValue(value), 'leave it out for the default');
  }
}

/** A random generator (core's Rng). */
export function requireRng(where: string, argument: string, value: unknown): asserts value is Rng {
  if (!(value instanceof Rng)) {
    throw new MtaArgumentError(where, argument, 'an Rng from @mta/core (the weights are drawn from it)', describeValue(value), 'pass new Rng(seed)');
  }
}

/**
 * null in a field of an options object: `options.padding ?? 0` would read it as "not given" and run the
 * default silently, which is not what a caller who wrote null meant (often a failed lookup upstream).
 */
export function requireOptionFieldsNotNull(where: string, options: object | undefined): void {
  if (options === undefined) return;
  for (const [key, value] of Object.entries(options)) {
    if (value === null) {
      throw new MtaArgumentError(where, `options.${key}`, 'a value or undefined (leave the field out for its default)', 'null', `remove options.${key} or give it a value`);
    }
  }
}
