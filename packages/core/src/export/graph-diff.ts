import type { OnnxGraphBuilder } from '../onnx/index.js';

type ModelProto = ReturnType<OnnxGraphBuilder['toModelProto']>;

/** Byte arrays as lists and bigints as text, so two protos compare by value. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : typeof v === 'bigint' ? v.toString() : v));

/**
 * The first difference between two traces of one model at different sizes of its dynamic axes, in words,
 * or null when the graphs are the same. A difference means the graph bakes in a size that should have
 * been computed at run time: a captured constant of that size, or a lowering that writes a shape.
 */
export function firstGraphDifference(example: ModelProto, probe: ModelProto): string | null {
  const a = example.graph!;
  const b = probe.graph!;
  const initsB = new Map((b.initializer ?? []).map((t) => [t.name, t]));
  for (const t of a.initializer ?? []) {
    const other = initsB.get(t.name);
    if (!other) return `initializer '${t.name}' exists only at the example sizes`;
    if (canonical(t) !== canonical(other)) {
      const dims = (x: typeof t): string => `[${(x.dims ?? []).map(String).join(', ')}]`;
      return `initializer '${t.name}' (a constant captured by the trace or written by a lowering) has dims ${dims(t)} at the example sizes ` +
        `and ${dims(other)} when traced again` + (dims(t) === dims(other) ? ', with other values' : '');
    }
  }
  const nodesA = a.node ?? [];
  const nodesB = b.node ?? [];
  for (let i = 0; i < Math.max(nodesA.length, nodesB.length); i++) {
    const x = nodesA[i];
    const y = nodesB[i];
    if (!x || !y) return `the graphs have ${nodesA.length} and ${nodesB.length} nodes (first extra: '${(x ?? y)!.name}')`;
    if (canonical(x) !== canonical(y)) return `node '${x.name}' (${x.opType}) differs: ${canonical(x)} vs ${canonical(y)}`;
  }
  if ((b.initializer ?? []).length !== (a.initializer ?? []).length) return 'the graphs have different initializers';
  if (canonical(a.output) !== canonical(b.output)) return 'the graph outputs differ';
  return null;
}
