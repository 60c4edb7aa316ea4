import { formatShape, shapesEqual } from './shape.js';
import type { Tensor } from './tensor.js';
import { noGrad, type TapeNode } from './tape.js';
import { tidy } from './scope.js';
import { add } from './ops/elementwise.js';
import { onesLike } from './ops/creation.js';

/**
 * The backward pass over the tape (tape.ts): walks the nodes in reverse topological order (iteratively:
 * deep graphs must not blow the stack), calls each op's gradient formula with grad mode off, checks every
 * gradient against its input, and accumulates.
 */
/** Nodes reachable from `root`, each after every node that consumes its outputs. */
function reverseTopologicalOrder(root: TapeNode): TapeNode[] {
  const order: TapeNode[] = [];
  const visited = new Set<TapeNode>();
  const stack: { node: TapeNode; expanded: boolean }[] = [{ node: root, expanded: false }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (top.expanded) {
      order.push(top.node);
      continue;
    }
    if (visited.has(top.node)) continue;
    visited.add(top.node);
    stack.push({ node: top.node, expanded: true });
    for (const input of top.node.inputs) {
      if (input.gradFn && !visited.has(input.gradFn)) stack.push({ node: input.gradFn, expanded: false });
    }
  }
  return order.reverse();
}

export function backward(root: Tensor, seed?: Tensor): void {
  if (!root.requiresGrad) {
    throw new Error(`backward() was called on ${root.describe()}, which does not require grad: ` +
      `mark an input with setRequiresGrad() before computing it`);
  }
  if (!seed && root.size !== 1) {
    throw new Error(`backward() on the non-scalar ${root.describe()} needs a gradient argument of shape ${formatShape(root.shape)}`);
  }
  tidy(() => {
    const grads = new Map<Tensor, Tensor>();
    const start = seed ?? onesLike(root);
    checkGradient(start, root, 'the seed gradient passed to backward()');
    if (!root.gradFn) {
      accumulateLeaf(root, start);
      return;
    }
    grads.set(root, start);
    noGrad(() => {
      for (const node of reverseTopologicalOrder(root.gradFn!)) {
        const upstream = node.outputs.map((o) => grads.get(o) ?? null);
        node.outputs.forEach((o) => grads.delete(o));
        if (upstream.every((g) => g === null)) continue;
        const inputGrads = node.op.grad!({ inputs: node.inputs, outputs: node.outputs, grads: upstream, attrs: node.attrs as never });
        node.inputs.forEach((input, i) => {
          const g = inputGrads[i];
          if (!g || !input.requiresGrad) return;
          checkGradient(g, input, `the gradient of op '${node.op.name}' for input ${i}`);
          if (input.gradFn) {
            const prev = grads.get(input);
            grads.set(input, prev ? addTensors(prev, g) : g);
          } else {
            accumulateLeaf(input, g);
          }
        });
      }
    });
  });
}

function checkGradient(g: Tensor, input: Tensor, what: string): void {
  if (!shapesEqual(g.shape, input.shape) || g.dtype !== input.dtype || g.device !== input.device) {
    throw new Error(`${what} is ${g.describe()} but its input is ${input.describe()}: ` +
      `a gradient must match its input's shape, dtype and device`);
  }
}

function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  const next = leaf.grad ? addTensors(leaf.grad, g) : g.detach();
  leaf.grad?.dispose();
  leaf.grad = next.keep();
}

function addTensors(a: Tensor, b: Tensor): Tensor {
  return noGrad(() => add(a, b));
}
