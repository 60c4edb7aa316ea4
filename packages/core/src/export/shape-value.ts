import { onnxAttr, type OnnxGraphBuilder } from '../onnx/index.js';

/**
 * A 1-D int64 shape value from sizes that are numbers (written as constants) or int64 [1] values computed
 * at run time; runs of numbers share one constant, and the pieces are joined with one Concat.
 */
export function shapeValue(g: OnnxGraphBuilder, dims: readonly (number | string)[]): string {
  const pieces: string[] = [];
  let run: number[] = [];
  const flush = (): void => {
    if (run.length > 0) pieces.push(g.constInt64(run, undefined, 'dims'));
    run = [];
  };
  for (const d of dims) {
    if (typeof d === 'number') {
      run.push(d);
    } else {
      flush();
      pieces.push(d);
    }
  }
  flush();
  return pieces.length === 1 ? pieces[0]! : g.op('Concat', pieces, { axis: onnxAttr.int(0) });
}
