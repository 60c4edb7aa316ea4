import { onnxAttr, type OnnxGraphBuilder } from '../onnx/index.js';

/**
 * The bool "keep" mask of a band over the last two axes of `x`, [rows, cols]: true where
 * j - i <= k (lower band, tril) or j - i >= k (upper band, triu). Rows and columns come from Shape(x) at
 * run time, so the mask follows a dynamic sequence length instead of being an initializer of the
 * traced size. Shared per `memoKey` (callers key it by the traced sizes; the exporter's second trace
 * catches a key shared by axes that differ at run time).
 */
export function bandKeepMask(g: OnnxGraphBuilder, x: string, upper: boolean, k: number, memoKey: string): string {
  return g.memo(`band-keep:${upper}:${k}:${memoKey}`, () =>
    g.scope('band_mask', () => {
      const shape = g.op('Shape', [x], { start: onnxAttr.int(-2) });
      const zero = g.memo('i64/0', () => g.constInt64(0, undefined, 'zero'));
      const one = g.memo('i64/1', () => g.constInt64(1, undefined, 'one'));
      const size = (axis: number): string => g.op('Gather', [shape, g.memo(`i64/${axis}`, () => g.constInt64(axis, undefined, 'index'))], { axis: onnxAttr.int(0) });
      const rows = g.op('Range', [zero, size(0), one]);
      const cols = g.op('Range', [zero, size(1), one]);
      const rowColumn = g.op('Unsqueeze', [rows, g.memo('i64/[1]', () => g.constInt64([1], undefined, 'axes'))]);
      const offset = g.op('Sub', [cols, rowColumn]);
      const bound = g.memo(`i64/${k}`, () => g.constInt64(k, undefined, 'k'));
      return g.op(upper ? 'GreaterOrEqual' : 'LessOrEqual', [offset, bound]);
    }),
  );
}
