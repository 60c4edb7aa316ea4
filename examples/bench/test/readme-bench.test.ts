import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { README_BEGIN, README_END, readmeBenchBlock } from '../src/readme-table';
import type { BenchReport } from '../src/results';

/** The README's benchmark numbers are the committed results file's, generated, not typed. */
describe('README benchmark block', () => {
  it('is exactly what bench/results.json generates (run `pnpm bench:readme` after a bench run)', () => {
    const root = new URL('../../../', import.meta.url);
    const readme = readFileSync(fileURLToPath(new URL('README.md', root)), 'utf8');
    const report = JSON.parse(readFileSync(fileURLToPath(new URL('bench/results.json', root)), 'utf8')) as BenchReport;
    const begin = readme.indexOf(README_BEGIN);
    const end = readme.indexOf(README_END);
    expect(begin).toBeGreaterThanOrEqual(0);
    expect(readme.slice(begin, end + README_END.length)).toBe(readmeBenchBlock(report));
  });
});

describe('README target lines', () => {
  const row = (backend: string, phase: 'forward' | 'forward+backward', L: number, medianMs: number) => ({
    backend, variant: 'softmax', phase, L, medianMs, minMs: medianMs, samplesMs: [medianMs], peakExtraBytes: 0, ratioToPeer: null, peer: null,
    checkRelErr: null, checkAgainst: null, runtime: 'r', threads: 1, simd: 's', hugetlb: false, floorMs: 10, ratioToFloor: medianMs / 10,
  });
  const report = (cpuBoth1024: number) => ({
    format: 'mta-bench/2', createdAt: '2026-12-03T00:00:00.000Z', reference: 'tfjs-wasm', notes: [], failures: [], skipped: [], memoryMethod: 'm; n',
    environment: { node: 'v20', platform: 'linux', arch: 'x64', cpu: 'cpu', cpus: 2, totalMemoryBytes: 0, glibcTunables: null, loadAverage: [0, 0, 0] },
    problem: { B: 2, Cin: 4, Cout: 4, K: 3, padding: 1, groups: 1, bias: true, dtype: 'float32', seed: 1 },
    settings: { warmup: 0, repeats: 1, minTimeMs: 0, isolate: true, check: false },
    floor: { lanes: 4, cores: 2, clockGHz: 3, clockSource: 'test', method: 'test' },
    backends: ['tfjs-wasm', 'ort-node', 'cpu'].map((name) => ({ name, kind: name === 'cpu' ? 'ours' : 'peer', summary: name, runtime: name })),
    results: [
      row('tfjs-wasm', 'forward+backward', 1024, 100), row('cpu', 'forward+backward', 1024, cpuBoth1024),
      row('ort-node', 'forward', 1024, 100), row('cpu', 'forward', 1024, 20), row('cpu', 'forward+backward', 256, cpuBoth1024 / 16),
    ],
  }) as unknown as BenchReport;

  it('says met when the ratios are within the targets and not met otherwise', () => {
    const good = readmeBenchBlock(report(10));
    expect(good).toContain('fwd+bwd L=1024 cpu / tfjs-wasm 0.10x (target <= 0.1x: met)');
    expect(good).toContain('cpu / floor 1.00x (target <= 2x: met)');
    expect(good).toContain('forward L=1024 cpu / ort-node 0.20x (target <= 0.25x: met)');
    expect(good).toContain('spread 1.00x (target <= 1.5x: met)');
    expect(readmeBenchBlock(report(30))).toContain('cpu / tfjs-wasm 0.30x (target <= 0.1x: not met)');
  });
});
