import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The runtime import graph of a source tree: relative `import`/`export ... from` edges between .ts files,
 * leaving out type-only imports (erased at compile time, so they cannot form a load-order circle).
 */
export type ImportGraph = Map<string, string[]>;

const IMPORT = /^\s*(import|export)\s+(type\s+)?([^'";]*?\s+from\s+)?['"](\.[^'"]+)['"]/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

export function importGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of sourceFiles(root)) {
    const edges: string[] = [];
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      if (m[2]) continue; // `import type` / `export type`
      const clause = m[3] ?? '';
      // `import { type A, type B } from` is type-only too.
      const names = /\{([^}]*)\}/.exec(clause)?.[1];
      if (names && names.split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '))) continue;
      edges.push(resolve(dirname(file), m[4]!.replace(/\.js$/, '.ts')));
    }
    graph.set(resolve(file), edges);
  }
  return graph;
}

/** Every elementary circle found by a depth-first search, as lists of paths relative to `root`. */
export function importCycles(root: string): string[][] {
  const graph = importGraph(root);
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') cycles.push(stack.slice(stack.indexOf(next)).concat(next).map((f) => relative(root, f)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  let found = 0;
  for (const root of process.argv.slice(2)) {
    for (const c of importCycles(root)) { found++; console.log(`${root}: ${c.join(' -> ')}`); }
  }
  console.log(`${found} import circle(s)`);
  process.exitCode = found ? 1 : 0;
}
