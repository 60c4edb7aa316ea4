import { registerKernel, type KernelDef, type Tensor, hostData } from '@mta/core';
import { SparsemaxBackwardOp, SparsemaxOp, type AxisAttrs } from '../../ops.js';
import { sparsemaxRow, sparsemaxVjpRow } from './activation-rows.js';
import type { MtaArray } from './types.js';

/**
 * The standalone sparsemax op on cpu, along any axis: each line along the axis is gathered into a float64
 * scratch row (a no-op view when the axis is last), run through the same row kernels as the fused MTA, and
 * scattered back.
 */
interface Lines { outer: number; n: number; inner: number }

function linesOf(t: Tensor, axis: number): Lines {
  const n = t.shape[axis]!;
  const inner = t.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return { outer: t.size / Math.max(n * inner, 1), n, inner };
}

function forEachLine(lines: Lines, fn: (base: number, stride: number) => void): void {
  for (let o = 0; o < lines.outer; o++) for (let i = 0; i < lines.inner; i++) fn(o * lines.n * lines.inner + i, lines.inner);
}

function gather(src: MtaArray, base: number, stride: number, n: number, row: Float64Array): void {
  for (let c = 0; c < n; c++) row[c] = src[base + c * stride]!;
}

function scatter(row: Float64Array, n: number, dst: MtaArray, base: number, stride: number): void {
  for (let c = 0; c < n; c++) dst[base + c * stride] = row[c]!;
}

// Kernel functions are module constants, so that registering twice is recognised as the same registration.
const cpuSparsemaxForward: KernelDef<AxisAttrs>['run'] = ({ inputs: [x], outputs: [y], attrs }) => {
  const lines = linesOf(x!, attrs.axis);
  const src = hostData(x!) as MtaArray;
  const dst = hostData(y!) as MtaArray;
  const row = new Float64Array(lines.n);
  const out = new Float64Array(lines.n);
  const scratch = new Float64Array(lines.n);
  forEachLine(lines, (base, stride) => {
    gather(src, x!.offset + base, stride, lines.n, row);
    sparsemaxRow(row, 0, lines.n, out, 0, scratch, null, 0);
    scatter(out, lines.n, dst, y!.offset + base, stride);
  });
};

const cpuSparsemaxBackward: KernelDef<AxisAttrs>['run'] = ({ inputs: [y, g], outputs: [dx], attrs }) => {
  const lines = linesOf(y!, attrs.axis);
  const p = new Float64Array(lines.n);
  const gr = new Float64Array(lines.n);
  const out = new Float64Array(lines.n);
  forEachLine(lines, (base, stride) => {
    gather(hostData(y!) as MtaArray, y!.offset + base, stride, lines.n, p);
    gather(hostData(g!) as MtaArray, g!.offset + base, stride, lines.n, gr);
    sparsemaxVjpRow(p, 0, gr, 0, lines.n, out, 0);
    scatter(out, lines.n, hostData(dx!) as MtaArray, dx!.offset + base, stride);
  });
};

export function registerCpuSparsemaxKernels(): () => void {
  const forward = registerKernel(SparsemaxOp, 'cpu', cpuSparsemaxForward);
  const backward = registerKernel(SparsemaxBackwardOp, 'cpu', cpuSparsemaxBackward);
  return () => { forward(); backward(); };
}
