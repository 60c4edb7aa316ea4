import { contiguousStrides, type Shape } from '@mta/core';

/**
 * Iteration plans shared by the kernels. A plan flattens an n-d loop into `rows` runs of `inner`
 * elements, each run walked with a fixed stride per operand, so kernels keep one tight inner loop per
 * case and do their index arithmetic once per row instead of once per element.
 */
export interface RowPlan {
  readonly rows: number;
  readonly inner: number;
  /** Per operand, the element offset where each row starts (the tensor's own offset not included). */
  readonly rowStarts: readonly Int32Array[];
  /** Per operand, the element stride along a row (0 where the operand is broadcast). */
  readonly innerStrides: readonly number[];
}

/**
 * Walks `shape` with one stride vector per operand. Size-1 dims are dropped and neighbouring dims are
 * merged whenever every operand steps through them as one run, so same-shape and scalar cases become a
 * single row.
 */
export function planStrided(shape: Shape, operandStrides: readonly (readonly number[])[]): RowPlan {
  const count = operandStrides.length;
  const dims: number[] = [];
  const strides: number[][] = operandStrides.map(() => []);
  let size = 1;
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    size *= n;
    if (n === 1) continue;
    const last = dims.length - 1;
    const mergeable = last >= 0 && operandStrides.every((s, o) => strides[o][last] === s[d] * n);
    if (mergeable) {
      dims[last] = dims[last] * n;
      for (let o = 0; o < count; o++) strides[o][last] = operandStrides[o][d];
    } else {
      dims.push(n);
      for (let o = 0; o < count; o++) strides[o].push(operandStrides[o][d]);
    }
  }
  if (size === 0) return { rows: 0, inner: 0, rowStarts: operandStrides.map(() => new Int32Array(0)), innerStrides: operandStrides.map(() => 0) };
  if (dims.length === 0) return { rows: 1, inner: 1, rowStarts: operandStrides.map(() => new Int32Array(1)), innerStrides: operandStrides.map(() => 0) };

  const outer = dims.length - 1;
  const inner = dims[outer];
  let rows = 1;
  for (let d = 0; d < outer; d++) rows *= dims[d];
  const rowStarts = operandStrides.map(() => new Int32Array(rows));
  const index = new Array<number>(outer).fill(0);
  const position = new Array<number>(count).fill(0);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < count; o++) rowStarts[o][r] = position[o];
    for (let d = outer - 1; d >= 0; d--) {
      index[d]++;
      for (let o = 0; o < count; o++) position[o] += strides[o][d];
      if (index[d] < dims[d]) break;
      for (let o = 0; o < count; o++) position[o] -= strides[o][d] * dims[d];
      index[d] = 0;
    }
  }
  return { rows, inner, rowStarts, innerStrides: strides.map((s) => s[outer]) };
}

/** Strides that read a contiguous operand of `shape` as if broadcast to `target` (0 on broadcast dims). */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = contiguousStrides(shape);
  const lead = target.length - shape.length;
  return target.map((_, d) => {
    const k = d - lead;
    return k < 0 || shape[k] === 1 ? 0 : own[k];
  });
}

/** Plan for contiguous operands broadcast to `target` (the output is operand 0, contiguous). */
export function planBroadcast(target: Shape, operandShapes: readonly Shape[]): RowPlan {
  return planStrided(target, [contiguousStrides(target), ...operandShapes.map((s) => broadcastStrides(s, target))]);
}

/** Product of shape[start:end]. */
export function spanSize(shape: Shape, start: number, end = shape.length): number {
  let n = 1;
  for (let d = start; d < end; d++) n *= shape[d];
  return n;
}
