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

/**
 * Elements of [0, L) covered by `count` back-to-back blocks of `size` starting at 0: the blocks are
 * contiguous, so the union is one interval and its length is closed-form. (Building one interval per block
 * made coverage O(L) in memory and time, so `mta plan --L 1e10` ran out of memory.)
 */
function blocksCover(count: number, size: number, L: number): number {
  return count > 0 && size > 0 ? Math.min(L, count * size) : 0;
}

/**
 * Per (batch, channel) map, the elements PR #1122's forward leaves unwritten: row i writes blocks up to
 * ceil((i + 1) / block) * block. Rows of the k-th full row block (k < n = floor(L / block)) each leave
 * L - (k + 1) * block; the partial last block leaves none. Summed: block * (n * L - block * n * (n + 1) / 2).
 */
export function blocksBeforeDiagonalUnwritten(L: number, block: number): number {
  const n = Math.floor(L / block);
  return block * (n * L - (block * n * (n + 1)) / 2);
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
      const rows = blocksCover(t.rowRanges, t.rowsPerUnit, L);
      const cols = blocksCover(t.colBlocks, t.colBlock, L);
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
        const cols = blocksCover(Math.ceil(L / t.rowBlock), t.rowBlock, L);
        entries.push({ kernel: k.name, output: 'O', elements: t.rows * L, unwritten: t.rows * L - rowsCovered * cols });
      } else {
        entries.push({ kernel: k.name, output: 'row statistics', elements: t.rows, unwritten: t.rows - rowsCovered });
      }
      break;
    }
    case 'reduce': {
      const covered = blocksCover(t.chunks, t.chunk, t.elems);
      entries.push({ kernel: k.name, output: 'dW, db', elements: t.elems, unwritten: t.elems - covered });
      break;
    }
    case 'pr-row': {
      // Per row i: blocks start at range(0, i + 1, block), each written [start, min(start + block, L)).
      // The backward additionally zero-fills range(i + 1, L, block), which covers the rest of the row.
      const unwritten = t.writesOnlyBlocksBeforeDiagonal ? blocksBeforeDiagonalUnwritten(L, t.block) : 0;
      const maps = t.rows / L;
      entries.push({ kernel: k.name, output: t.output ?? (k.direction === 'forward' ? 'P' : 'dS'), elements: t.rows * L, unwritten: unwritten * maps });
      break;
    }
    case 'pr-tile': {
      const covered = blocksCover(t.grid[0], t.tile, L);
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
