import { MatMul, registerKernel, type KernelArgs, hostData } from '@mta/core';
import { planBroadcast, spanSize } from '../layout.js';
import type { Data } from '../data.js';
import { specializeByArray } from '../specialize.js';

/**
 * Batched matmul with broadcast batch dims. Each product is blocked i-k-j: a panel of B stays in cache
 * while the rows of A stream past it, and the innermost loop runs along contiguous rows of B and C.
 * Accumulation happens in C itself, in the output dtype: float32 results round after every four k.
 */

/**
 * C[M,N] = A[M,K] @ B[K,N] for row-major operands starting at the given offsets. Self-contained (see
 * specialize.ts). Blocks: a 64 x 256 panel of B (64 KiB in float32) stays in L2 while all rows of A pass.
 * Inside, two rows of C take four rows of B per pass, so each loaded B element feeds two multiply-adds
 * and each C element is loaded and stored once per four k (measured 1.5x over one row, one k).
 */
function gemmLoops(A: Data, ao: number, B: Data, bo: number, C: Data, co: number, M: number, K: number, N: number): void {
  const blockK = 64, blockN = 256;
  C.fill(0, co, co + M * N);
  for (let k0 = 0; k0 < K; k0 += blockK) {
    const kEnd = Math.min(k0 + blockK, K);
    for (let j0 = 0; j0 < N; j0 += blockN) {
      const jEnd = Math.min(j0 + blockN, N);
      let i = 0;
      for (; i + 1 < M; i += 2) {
        const c0 = co + i * N, c1 = c0 + N, r0 = ao + i * K, r1 = r0 + K;
        let k = k0;
        for (; k + 3 < kEnd; k += 4) {
          const a00 = A[r0 + k], a01 = A[r0 + k + 1], a02 = A[r0 + k + 2], a03 = A[r0 + k + 3];
          const a10 = A[r1 + k], a11 = A[r1 + k + 1], a12 = A[r1 + k + 2], a13 = A[r1 + k + 3];
          const b0 = bo + k * N, b1 = b0 + N, b2 = b1 + N, b3 = b2 + N;
          for (let j = j0; j < jEnd; j++) {
            const x0 = B[b0 + j], x1 = B[b1 + j], x2 = B[b2 + j], x3 = B[b3 + j];
            C[c0 + j] += a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3;
            C[c1 + j] += a10 * x0 + a11 * x1 + a12 * x2 + a13 * x3;
          }
        }
        for (; k < kEnd; k++) {
          const a0 = A[r0 + k], a1 = A[r1 + k], b0 = bo + k * N;
          for (let j = j0; j < jEnd; j++) { const x = B[b0 + j]; C[c0 + j] += a0 * x; C[c1 + j] += a1 * x; }
        }
      }
      if (i < M) {
        // The odd last row.
        const c0 = co + i * N, r0 = ao + i * K;
        for (let k = k0; k < kEnd; k++) {
          const a0 = A[r0 + k], b0 = bo + k * N;
          for (let j = j0; j < jEnd; j++) C[c0 + j] += a0 * B[b0 + j];
        }
      }
    }
  }
}

const gemmFor = specializeByArray(gemmLoops);

/** C[M,N] = A[M,K] @ B[K,N] on row-major typed arrays (exported for other kernels and benchmarks). */
export function gemm(A: Data, ao: number, B: Data, bo: number, C: Data, co: number, M: number, K: number, N: number): void {
  gemmFor(C)(A, ao, B, bo, C, co, M, K, N);
}

function matmulKernel({ inputs: [a, b], outputs: [out] }: KernelArgs<Record<string, never>>): void {
  const M = a.shape[a.ndim - 2], K = a.shape[a.ndim - 1], N = b.shape[b.ndim - 1];
  const A = hostData(a), B = hostData(b), C = hostData(out);
  const batchShape = out.shape.slice(0, -2);
  const aBatch = a.shape.slice(0, -2), bBatch = b.shape.slice(0, -2);
  const batches = spanSize(batchShape, 0);
  // (..., M, K) @ (K, N) with unbroadcast A: one tall product instead of many small ones.
  if (spanSize(bBatch, 0) === 1 && spanSize(aBatch, 0) === batches) {
    gemm(A, a.offset, B, b.offset, C, 0, batches * M, K, N);
    return;
  }
  const plan = planBroadcast(batchShape, [aBatch, bBatch]);
  const [, aStarts, bStarts] = plan.rowStarts as [Int32Array, Int32Array, Int32Array];
  const [, as, bs] = plan.innerStrides as [number, number, number];
  for (let r = 0; r < plan.rows; r++) {
    for (let j = 0; j < plan.inner; j++) {
      const batch = r * plan.inner + j;
      const ai = aStarts[r] + j * as, bi = bStarts[r] + j * bs;
      gemm(A, a.offset + ai * M * K, B, b.offset + bi * K * N, C, batch * M * N, M, K, N);
    }
  }
}

export function registerMatmulKernels(): (() => void)[] {
  return [registerKernel(MatMul, 'cpu', matmulKernel)];
}
