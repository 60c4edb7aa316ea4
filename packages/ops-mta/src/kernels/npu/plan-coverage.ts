/**
 * Which output elements a plan's loop bounds write, computed arithmetically from the bounds alone (no
 * simulation), so it can be checked for any L. The kernels iterate exactly these bounds; the simulator's
 * poison mode checks the same property by running them.
 */
import type { NpuKernelPlan, NpuMtaPlan } from './plan-types.js';

export interface CoverageEntry {
  readonly kernel: string;
  readonly output: string;
  readonly elements: number;
  readonly unwritten: number;
}

/** Length of the union of half-open intervals clipped to [0, L). */
function unionLength(intervals: Array<[number, number]>, L: number): number {
  const sorted = intervals.map(([a, b]): [number, number] => [Math.max(0, a), Math.min(L, b)]).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = 0;
  for (const [a, b] of sorted) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

function blocks(count: number, size: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let k = 0; k < count; k++) out.push([k * size, (k + 1) * size]);
  return out;
}

function kernelCoverage(plan: NpuMtaPlan, k: NpuKernelPlan): CoverageEntry[] {
  const { B, Cin, Cout, L } = plan.shape;
  const groups = plan.config.groups;
  const t = k.tiling;
  const entries: CoverageEntry[] = [];
  const mapCoverage = (output: string, maps: number, rowsCovered: number, colsCovered: number, mapsCovered: number): void => {
    const elements = maps * L * L;
    const written = mapsCovered * rowsCovered * colsCovered;
    entries.push({ kernel: k.name, output, elements, unwritten: elements - written });
  };
  switch (t.kind) {
    case 'band': {
      if (t.units !== B * groups * t.rowRanges) throw new Error(`${k.name}: units ${t.units} != B * groups * rowRanges`);
      const rows = unionLength(blocks(t.rowRanges, t.rowsPerUnit), L);
      const cols = unionLength(blocks(t.colBlocks, t.colBlock), L);
      const forward = k.direction === 'forward';
      if (forward && !(plan.config.mode === 'pre' && t.pass === 'multi')) mapCoverage('O', B * Cout, rows, cols, B * Cout);
      if (forward && plan.config.mode === 'post') mapCoverage('P', B * Cin, rows, cols, B * Cin);
      if (!forward && t.pass !== 'stats') mapCoverage('dS', B * Cin, rows, cols, B * Cin);
      if (!forward && t.pass === 'stats') entries.push({ kernel: k.name, output: 'row sums', elements: B * Cin * L, unwritten: B * Cin * (L - rows) });
      break;
    }
    case 'row': {
      const rowsCovered = Math.min(t.rows, t.chunks * t.rowChunk);
      if (t.writesRows) {
        const cols = unionLength(blocks(Math.ceil(L / t.rowBlock), t.rowBlock), L);
        entries.push({ kernel: k.name, output: 'O', elements: t.rows * L, unwritten: t.rows * L - rowsCovered * cols });
      } else {
        entries.push({ kernel: k.name, output: 'row statistics', elements: t.rows, unwritten: t.rows - rowsCovered });
      }
      break;
    }
    case 'reduce': {
      const covered = unionLength(blocks(t.chunks, t.chunk), t.elems);
      entries.push({ kernel: k.name, output: 'dW, db', elements: t.elems, unwritten: t.elems - covered });
      break;
    }
    case 'pr-row': {
      // Per row i: blocks start at range(0, i + 1, block), each written [start, min(start + block, L)).
      // The backward additionally zero-fills range(i + 1, L, block), which covers the rest of the row.
      let unwritten = 0;
      if (t.writesOnlyBlocksBeforeDiagonal) {
        for (let i = 0; i < L; i++) unwritten += L - Math.min(L, Math.ceil((i + 1) / t.block) * t.block);
      }
      const maps = t.rows / L;
      entries.push({ kernel: k.name, output: k.direction === 'forward' ? 'P' : 'dS', elements: t.rows * L, unwritten: unwritten * maps });
      break;
    }
    case 'pr-tile': {
      const covered = unionLength(blocks(t.grid[0], t.tile), L);
      mapCoverage(k.name.includes('scores') ? 'masked scores' : k.direction === 'forward' ? 'O' : 'masked dO', t.grid[2], covered, covered, t.grid[2]);
      break;
    }
    case 'external':
      break;
  }
  return entries;
}

/** Coverage of every output of every kernel of the plan. */
export function planCoverage(plan: NpuMtaPlan): CoverageEntry[] {
  return [...plan.forward, ...plan.backward].flatMap((k) => kernelCoverage(plan, k));
}
