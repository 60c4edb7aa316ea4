import { defineOp } from '../op.js';
import { runOp1 } from '../dispatch.js';
import { formatShape, tryBroadcastShapes } from '../shape.js';
import { isComputeFloat } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { transpose } from './views.js';
import { sumToShape } from './reduce.js';

/**
 * Batched matrix product a (..., M, K) @ b (..., K, N) with broadcast batch dims. Both inputs must be at
 * least 2-D (reshape vectors explicitly, so shapes never change meaning silently).
 */
export const MatMul = defineOp<Record<string, never>>({
  name: 'MatMul',
  infer: ([a, b]) => {
    if (a!.ndim < 2 || b!.ndim < 2) {
      throw new Error(`matmul: both inputs must be at least 2-D, got ${a!.describe()} and ${b!.describe()}; reshape vectors to [1, n] or [n, 1]`);
    }
    if (a!.dtype !== b!.dtype || !isComputeFloat(a!.dtype)) {
      throw new Error(`matmul: inputs must share a float dtype, got ${a!.describe()} and ${b!.describe()}`);
    }
    const k1 = a!.shape[a!.ndim - 1]!;
    const k2 = b!.shape[b!.ndim - 2]!;
    if (k1 !== k2) {
      throw new Error(`matmul: inner dimensions differ: ${a!.describe()} has K=${k1}, ${b!.describe()} has K=${k2}`);
    }
    const batch = tryBroadcastShapes(a!.shape.slice(0, -2), b!.shape.slice(0, -2));
    if (!batch) {
      throw new Error(`matmul: batch dims ${formatShape(a!.shape.slice(0, -2))} and ${formatShape(b!.shape.slice(0, -2))} do not broadcast`);
    }
    return [{ shape: [...batch, a!.shape[a!.ndim - 2]!, b!.shape[b!.ndim - 1]!], dtype: a!.dtype }];
  },
  grad: ({ inputs: [a, b], grads: [g] }) => [
    a!.requiresGrad ? sumToShape(matmul(g!, transpose(b!)), a!.shape) : null,
    b!.requiresGrad ? sumToShape(matmul(transpose(a!), g!), b!.shape) : null,
  ],
});

export function matmul(a: Tensor, b: Tensor): Tensor {
  return runOp1(MatMul, [a, b], {});
}
