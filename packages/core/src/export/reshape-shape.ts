import { onnxAttr, type OnnxGraphBuilder } from '../onnx/index.js';
import type { DynamicShapes } from './lowering.js';
import { shapeValue } from './shape-value.js';

/**
 * The target shape of a Reshape from `from` to `to`. Without dynamic axes it is a constant that says "as
 * the input" where it can: 0 (copy the input's axis) where an axis keeps its place and size, -1 for at
 * most one remaining axis. With dynamic axes (`dynamic.outputs[0]`, from the exporter's trace at other
 * sizes) the axes are split into groups that map onto each other (keep, merge, split) and each dynamic
 * output axis is computed at run time: from Shape(input) when it is the only dynamic axis of its group
 * (the product of the group's input axes divided by its static output axes), else from the graph
 * inputs' shapes (`dynamic.outputSize`, e.g. B and L when [B * L, D] is split back into [B, L, D]).
 * Where neither works the size stays a number and the exporter's comparison of the two traces fails
 * the export, naming this node.
 */
export function reshapeTarget(g: OnnxGraphBuilder, input: string, from: readonly number[], to: readonly number[], dynamic: DynamicShapes): string {
  const dynamicTo = dynamic.outputs[0] ?? [];
  if (!dynamicTo.some(Boolean)) return g.constInt64(staticTarget(from, to));
  // Shapes that do not pair up into groups (a zero-size axis) still take their sizes from the graph inputs.
  const groups = axisGroups(from, to) ?? [{ from: [], to: to.map((_, j) => j) }];

  let shape: string | undefined;
  const dims: (number | string)[] = [...to];
  for (const group of groups) {
    const moving = group.to.filter((j) => dynamicTo[j]);
    if (moving.length === 1 && group.from.length > 0) {
      const start = group.from[0]!;
      const end = group.from[group.from.length - 1]! + 1;
      const staticProduct = group.to.filter((j) => !dynamicTo[j]).reduce((p, j) => p * to[j]!, 1);
      shape ??= g.op('Shape', [input]);
      const slice = g.op('Slice', [shape, g.constInt64([start], undefined, 'start'), g.constInt64([end], undefined, 'end')]);
      const product = end - start === 1 ? slice : g.op('ReduceProd', [slice], { keepdims: onnxAttr.int(1) });
      dims[moving[0]!] = staticProduct === 1 ? product : g.op('Div', [product, g.constInt64([staticProduct], undefined, 'static_product')]);
    } else {
      for (const j of moving) dims[j] = dynamic.outputSize(0, j) ?? to[j]!;
    }
  }
  return shapeValue(g, dims);
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
