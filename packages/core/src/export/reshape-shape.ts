import { onnxAttr, type OnnxGraphBuilder } from '../onnx/index.js';

/**
 * The target shape of a Reshape from `from` to `to`. Without dynamic axes it is a constant that says "as
 * the input" where it can: 0 (copy the input's axis) where an axis keeps its place and size, -1 for at
 * most one remaining axis. With dynamic axes (flags from the exporter's trace at other sizes) the axes
 * are split into groups that map onto each other (keep, merge, split), and each dynamic output axis is
 * computed from Shape(input): the product of its group's input axes, divided by the group's static
 * output axes. A split into two dynamic axes cannot be computed from the input and stays a number;
 * the exporter's comparison of the two traces then fails the export, naming this node.
 */
export function reshapeTarget(g: OnnxGraphBuilder, input: string, from: readonly number[], to: readonly number[], dynamicTo: readonly boolean[]): string {
  const groups = dynamicTo.some(Boolean) ? axisGroups(from, to) : null;
  if (!groups) return g.constInt64(staticTarget(from, to));

  const shape = g.op('Shape', [input]);
  const pieces: string[] = [];
  let run: number[] = [];
  const flush = (): void => {
    if (run.length > 0) pieces.push(g.constInt64(run, undefined, 'dims'));
    run = [];
  };
  for (const group of groups) {
    const dynamic = group.to.filter((j) => dynamicTo[j]);
    if (dynamic.length !== 1) {
      run.push(...group.to.map((j) => to[j]!));
      continue;
    }
    const start = group.from[0]!;
    const end = group.from[group.from.length - 1]! + 1;
    const staticProduct = group.to.filter((j) => !dynamicTo[j]).reduce((p, j) => p * to[j]!, 1);
    const slice = g.op('Slice', [shape, g.constInt64([start], undefined, 'start'), g.constInt64([end], undefined, 'end')]);
    const product = end - start === 1 ? slice : g.op('ReduceProd', [slice], { keepdims: onnxAttr.int(1) });
    const size = staticProduct === 1 ? product : g.op('Div', [product, g.constInt64([staticProduct], undefined, 'static_product')]);
    for (const j of group.to) {
      if (j === dynamic[0]) {
        flush();
        pieces.push(size);
      } else {
        run.push(to[j]!);
      }
    }
  }
  flush();
  return pieces.length === 1 ? pieces[0]! : g.op('Concat', pieces, { axis: onnxAttr.int(0) });
}

function staticTarget(from: readonly number[], to: readonly number[]): number[] {
  const shape = to.map((d, i) => (i < from.length && d === from[i] ? 0 : d));
  const free = shape.flatMap((d, i) => (d === 0 ? [] : [i]));
  if (free.length === 1 && from.every((d) => d > 0)) shape[free[0]!] = -1;
  return shape;
}

interface AxisGroup {
  readonly from: readonly number[];
  readonly to: readonly number[];
}

/**
 * Consecutive runs of input and output axes with equal products (a trailing size-1 axis joins the last
 * group); null where the shapes do not pair up that way (a zero-size axis).
 */
function axisGroups(from: readonly number[], to: readonly number[]): AxisGroup[] | null {
  if (from.some((d) => d === 0) || from.length === 0 || to.length === 0) return null;
  const groups: { from: number[]; to: number[] }[] = [];
  let i = 0;
  let j = 0;
  while (i < from.length && j < to.length) {
    const group = { from: [i], to: [j] };
    let pi = from[i++]!;
    let pj = to[j++]!;
    while (pi !== pj) {
      if (pi < pj) {
        if (i >= from.length) return null;
        group.from.push(i);
        pi *= from[i++]!;
      } else {
        if (j >= to.length) return null;
        group.to.push(j);
        pj *= to[j++]!;
      }
    }
    groups.push(group);
  }
  const last = groups[groups.length - 1]!;
  while (i < from.length) last.from.push(i++);
  while (j < to.length) last.to.push(j++);
  return groups;
}
