import { describe, expect, it } from 'vitest';
import { BENCH_BACKENDS } from '../src/backends/index';
import { causalMacs, floorMs } from '../src/floor';
import { planCells, runBench, type BenchPlan } from '../src/runner';
import { ProgressBar } from '../src/progress';
import { parseBenchArgs } from '../src/args';
import { buildReport, formatTable } from '../src/results';

/** The bench's statements about itself: the floor's arithmetic, huge-page cells, opt-in peers, skips. */

const size = { B: 2, C: 4, K: 3, padding: 1 };

describe('arithmetic floor', () => {
  it('counts causal multiply-adds: forward B*C*C*K^2*L(L+1)/2, forward+backward 3x', () => {
    expect(causalMacs(size, 1024, 'forward')).toBe(2 * 4 * 4 * 9 * ((1024 * 1025) / 2));
    expect(causalMacs(size, 1024, 'forward+backward')).toBe(3 * causalMacs(size, 1024, 'forward'));
  });

  it('divides by lanes x cores x clock', () => {
    const machine = { lanes: 4, cores: 2, clockGHz: 2.5, clockSource: 'test' };
    // 151 M multiply-adds / (4 * 2 * 2.5 G/s) = 7.56 ms
    expect(floorMs(size, 1024, 'forward', machine)).toBeCloseTo(causalMacs(size, 1024, 'forward') / 20e9 * 1e3, 12);
  });
});

describe('flags', () => {
  it('--hugetlb both runs every cell with and without huge pages', () => {
    const { plan } = parseBenchArgs(['--backends', 'cpu', '--variants', 'softmax', '--L', '64', '--hugetlb', 'both'], BENCH_BACKENDS);
    const { cells } = planCells(plan);
    expect(cells.map((c) => `${c.phases.join('+')}:${c.hugetlb}`).sort()).toEqual(
      ['forward+backward:false', 'forward+backward:true', 'forward:false', 'forward:true']);
  });

  it('torch is opt-in: absent by default, added by --peers torch', () => {
    expect(parseBenchArgs([], BENCH_BACKENDS).plan.backends.map((b) => b.name)).not.toContain('torch');
    expect(parseBenchArgs(['--peers', 'torch'], BENCH_BACKENDS).plan.backends.map((b) => b.name)).toContain('torch');
  });
});

describe('a peer whose runtime is missing', () => {
  it('is reported as skipped with the reason, never as passed or failed', async () => {
    const previous = process.env['MTA_BENCH_PYTHON'];
    // A python that does not exist stands for a machine without PyTorch, whatever this one has.
    process.env['MTA_BENCH_PYTHON'] = '/nonexistent/python3';
    try {
      const { createTorchBackend } = await import('../src/backends/torch');
      const plan: BenchPlan = {
        ...parseBenchArgs(['--L', '8', '--in-process', '--phases', 'forward'], BENCH_BACKENDS).plan,
        backends: [{ ...BENCH_BACKENDS.find((b) => b.name === 'torch')!, create: async () => createTorchBackend() }],
      };
      const run = await runBench(plan, new ProgressBar(2, { isTTY: false, write: () => true }));
      expect(run.measured).toEqual([]);
      expect(run.failures).toEqual([]);
      expect(run.skipped.length).toBeGreaterThan(0);
      expect(run.skipped[0]!.reason).toMatch(/python3/);
      const table = formatTable(buildReport(run, plan, 'tfjs-wasm'));
      expect(table).toMatch(/skipped \(not passed\): torch: .*python3/);
    } finally {
      if (previous === undefined) delete process.env['MTA_BENCH_PYTHON'];
      else process.env['MTA_BENCH_PYTHON'] = previous;
    }
  });
});
