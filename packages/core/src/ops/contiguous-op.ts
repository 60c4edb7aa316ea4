import { defineOp } from '../op.js';

/** Copies a strided view into fresh contiguous memory. Every device provides it; dispatch uses it. */
export const Contiguous = defineOp<Record<string, never>>({
  name: 'Contiguous',
  infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
  grad: ({ grads }) => [grads[0]!],
});
