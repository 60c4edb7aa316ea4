import type { TypedArray } from '@mta/core';

/**
 * Per-element-type copies of a hot loop function. V8 keeps type feedback per function source, so one
 * loop that sees Float32Array and Float64Array (and Int32Array, ...) turns polymorphic and runs 2-3x
 * slower for every caller (measured on gemm: 30 ms -> 75 ms at 256^3). Giving each typed-array class its
 * own copy of the source keeps every copy monomorphic.
 *
 * The function must be self-contained: it may use only its parameters, its locals and globals such as
 * Math, since the copy is compiled apart from its module. Where code generation is unavailable (a
 * strict content security policy), the shared original is used: slower, still correct.
 */
export type LoopFunction = (...args: never[]) => unknown;

export function specializeByArray<F extends LoopFunction>(fn: F): (data: TypedArray) => F {
  const copies = new Map<unknown, F>();
  return (data) => {
    const key = data.constructor;
    let copy = copies.get(key);
    if (!copy) {
      copy = compileCopy(fn);
      copies.set(key, copy);
    }
    return copy;
  };
}

function compileCopy<F extends LoopFunction>(fn: F): F {
  try {
    return new Function(`"use strict"; return (${fn.toString()});`)() as F;
  } catch {
    return fn;
  }
}
