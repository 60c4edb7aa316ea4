/** formatNpuPlanReport (the core of `pnpm mta plan`) and explain() after a run. */
import { describe, expect, it } from 'vitest';
import { NpuSimulator, formatExplain, makeNpuSpec } from '@mta/device-npu';
import { formatNpuPlanReport, npuMtaBackward, npuMtaForward, planNpuMta } from '../src/kernels/npu/index.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { planTable } from '../tools/npu/plan-table';
import { randn, rng } from './support/npu-reference';

const shape = { B: 1, Cin: 2, Cout: 2, L: 8192, kH: 3, kW: 3 };

describe('formatNpuPlanReport', () => {
  it('lists every kernel with UB bytes against capacity and ends in a verdict', () => {
    const spec = makeNpuSpec({ ub: '192KiB', env: {} });
    const text = formatNpuPlanReport(planNpuMta(shape, 'float16', spec), spec);
    for (const name of ['mta.post.fwd.band', 'mta.post.bwd.band.stats', 'mta.post.bwd.band.apply', 'mta.bwd.wgrad-reduce']) expect(text).toContain(name);
    expect(text).toMatch(/UB [\d,]+ \/ 196,608 B/);
    expect(text).not.toContain('OVERFLOW');
    expect(text).toContain('every kernel fits the UB and its loop bounds cover every output element');
  });

  it('says OVERFLOW and UNWRITTEN for the PR preset where they apply', () => {
    const spec = makeNpuSpec({ ub: '24KiB', env: {} });
    const text = formatNpuPlanReport(planNpuMta({ ...shape, L: 4096 }, 'float32', spec, { planner: 'liger-pr1122' }), spec);
    expect(text).toMatch(/pr1122\.mask-out {2}\[OVERFLOW\]/);
    expect(text).toContain('UB 49,152 / 24,576 B (200.0%');
    expect(text).toMatch(/UNWRITTEN: pr1122.fused-mask-softmax-fwd leaves 8,388,608 of 33,554,432 elements of P/);
  });

  it('emits parseable JSON with the plan, the spec and the coverage', () => {
    const spec = makeNpuSpec({ ub: '16KiB', env: {} });
    const json = JSON.parse(formatNpuPlanReport(planNpuMta(shape, 'bfloat16', spec), spec, { json: true })) as {
      spec: { ubBytes: number };
      plan: { forward: Array<{ name: string; ubBytes: number; fits: boolean }> };
      coverage: Array<{ unwritten: number }>;
    };
    expect(json.spec.ubBytes).toBe(16384);
    expect(json.plan.forward.every((k) => k.fits && k.ubBytes <= 16384)).toBe(true);
    expect(json.coverage.every((c) => c.unwritten === 0)).toBe(true);
  });
});

describe('explain()', () => {
  it('reports per-kernel UB peak, GM traffic against the minimum, transfers and an estimate; fused traffic stays within 1.25x', () => {
    const spec = makeNpuSpec({ env: {} });
    const sim = new NpuSimulator(spec);
    const L = 256;
    const s = { B: 2, Cin: 4, Cout: 4, L, kH: 3, kW: 3 };
    const config = { mode: 'post' as const, sparse: false, pads: [1, 1, 1, 1] as const, dilation: [1, 1] as const, groups: 1 };
    const next = rng(9);
    const scores = sim.upload('s', 'float32', [2, 4, L, L], randn(2 * 4 * L * L, next));
    const weight = sim.upload('w', 'float32', [4, 4, 3, 3], randn(144, next));
    const bias = sim.upload('b', 'float32', [4], randn(4, next));
    const g = sim.upload('g', 'float32', [2, 4, L, L], randn(2 * 4 * L * L, next));
    const { saved } = npuMtaForward(sim, scores, weight, bias, s, config);
    npuMtaBackward(sim, g, saved);
    const report = sim.explain();
    expect(report.launches.map((l) => l.kernel)).toEqual(['mta.post.fwd.band', 'mta.post.bwd.band', 'mta.bwd.wgrad-reduce']);
    for (const l of report.launches) {
      expect(l.ubPeakBytes).toBeGreaterThan(0);
      expect(l.ubPeakBytes).toBeLessThanOrEqual(spec.ubBytes);
      expect(l.transfers).toBeGreaterThan(0);
      expect(l.estSeconds).toBeGreaterThan(0);
      expect(l.gmReadBytes + l.gmWriteBytes).toBeGreaterThanOrEqual(l.minReadBytes! + l.minWriteBytes!);
    }
    const [fwd, bwd] = report.groups;
    expect(fwd!.name).toBe('mta.forward');
    // Minimum: read the causal triangle of S once, write P and O: 4 * (2*4*256*257/2 + 2 * 2*4*256*256) bytes (+ weights).
    expect(fwd!.minReadBytes + fwd!.minWriteBytes).toBe(4 * (4 * 256 * 257 + 2 * 8 * 256 * 256) + 4 * 148);
    expect(fwd!.trafficRatio).toBeLessThanOrEqual(1.25);
    expect(bwd!.trafficRatio).toBeLessThanOrEqual(1.25);
    const text = formatExplain(report);
    expect(text).toContain('UB peak');
    expect(text).toMatch(/= mta\.forward: GM [\d.]+ MiB vs minimum [\d.]+ MiB \(1\.\d+x\)/);
  });
});

describe('README plan table', () => {
  it('is the output of tools/npu/plan-table.ts (regenerate with --write)', () => {
    const readme = readFileSync(fileURLToPath(new URL('../src/kernels/npu/README.md', import.meta.url)), 'utf8');
    const a = readme.indexOf('<!-- plan-table:begin');
    const b = readme.indexOf('<!-- plan-table:end -->');
    const block = readme.slice(readme.indexOf('\n', a) + 1, b).trim();
    expect(block).toBe(planTable().trim());
  });
});
