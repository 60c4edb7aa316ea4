import type { Tensor } from './tensor.js';

/**
 * Memory scopes. Inside `tidy(fn)`, every tensor created is tracked; when fn returns, the ones not
 * returned (and not `keep()`-ed) are disposed and their buffers go back to the device pool. Parameters,
 * gradients of leaves and optimizer state are kept automatically.
 */
const stack: Set<Tensor>[] = [];

export function trackTensor(t: Tensor): void {
  stack[stack.length - 1]?.add(t);
}

export function untrackTensor(t: Tensor): void {
  for (const scope of stack) scope.delete(t);
}

export type TensorContainer = Tensor | readonly TensorContainer[] | { readonly [k: string]: TensorContainer } | void | number | string | boolean | null | undefined;

function collect(value: unknown, into: Set<Tensor>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isTensorLike(value)) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, into, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, into, seen);
}

function isTensorLike(v: object): v is Tensor {
  return (v as { isTensor?: unknown }).isTensor === true;
}

/** Any value may be returned; tensors found in it (in arrays and plain objects) survive the scope. */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    // A throwing fn returns nothing, so nothing it made can be the caller's: free it all.
    stack.pop();
    for (const t of scope) t.dispose();
    throw error;
  }
  stack.pop();
  const kept = new Set<Tensor>();
  collect(result, kept);
  for (const t of scope) {
    if (kept.has(t)) trackTensor(t);
    else t.dispose();
  }
  return result;
}
