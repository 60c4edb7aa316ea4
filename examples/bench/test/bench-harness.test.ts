/**
 * Smoke test of the benchmark pipeline (no timing assertions): a 2-point in-process run writes a
 * results.json that parses and holds the expected rows, and SVG charts; plus the pieces whose
 * mistakes would silently skew a report (run counts, median, cross-check, plain progress lines).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BENCH_BACKENDS } from '../src/backends/index';
import { fingerprint, fingerprintDifference } from '../src/cross-check';
import { measure, median } from '../src/harness';
import { ProgressBar, type ProgressStream } from '../src/progress';
import { buildReport, formatTable, writeReport, type BenchReport } from '../src/results';
import { runBench, type BenchPlan } from '../src/runner';
import type { BenchBackendEntry, BenchInputs, HostResults } from '../src/types';

class CapturedStream implements ProgressStream {
  readonly isTTY = false;
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** A backend whose results are all zeros: the cross-check must flag it. */
const zerosBackend: BenchBackendEntry = {
  name: 'zeros',
  kind: 'ours',
  summary: 'returns zeros (test double)',
  phases: ['forward'],
  create: async () => ({
    describe: () => 'zeros',
    info: () => ({ runtime: 'test double', threads: 1, simd: 'none' }),
    unsupported: () => undefined,
    setup: async () => {},
    prepare: async (inputs: BenchInputs) => ({
      forward: () => {},
      forwardBackward: () => {},
      results: async (): Promise<HostResults> => ({ out: new Float32Array(inputs.gradOut.length) }),
      dispose: () => {},
    }),
    dispose: async () => {},
  }),
};

function entry(name: string): BenchBackendEntry {
  const found = BENCH_BACKENDS.find((b) => b.name === name);
  if (found === undefined) throw new Error(`no backend ${name} in the registry`);
  return found;
}

describe('a 2-point in-process run', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mta-bench-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const plan: BenchPlan = {
    backends: [entry('tfjs-wasm'), entry('tfjs-cpu'), zerosBackend],
    variants: ['softmax'],
    Ls: [8, 16],
    phases: ['forward', 'forward+backward'],
    size: { B: 1, C: 2, K: 3, padding: 1 },
    seed: 3,
    measure: { warmup: 0, repeats: 2, minTimeMs: 0 },
    repeatsFromUser: true,
    noCap: false,
    isolate: false,
    check: true,
    hugetlb: 'off',
  };
  const stream = new CapturedStream();
  let report: BenchReport;
  let files: { json: string; timeSvg: string; ratioSvg: string | null };

  it('runs every cell and writes the files', async () => {
    const run = await runBench(plan, new ProgressBar(10, stream));
    report = buildReport(run, plan, 'tfjs-wasm');
    files = await writeReport(report, dir);
    expect(run.failures).toEqual([]);
  });

  it('writes results.json that parses into the expected rows', () => {
    const parsed = JSON.parse(readFileSync(files.json, 'utf8')) as BenchReport;
    expect(parsed.format).toBe('mta-bench/2');
    expect(parsed.reference).toBe('tfjs-wasm');
    // 2 tfjs backends x 2 L x 2 phases, plus the forward-only double x 2 L.
    expect(parsed.results).toHaveLength(10);
    for (const r of parsed.results) {
      expect(r.samplesMs).toHaveLength(2);
      expect(r.medianMs).toBeGreaterThan(0);
      expect(r.minMs).toBeLessThanOrEqual(r.medianMs);
      expect(r.peakExtraBytes).toBeGreaterThanOrEqual(0);
      // Every row states what ran it, its page setting and its arithmetic floor.
      expect(r.runtime).not.toBe('unknown');
      expect(r.threads).toBeGreaterThanOrEqual(1);
      expect(r.simd).not.toBe('unknown');
      expect(r.hugetlb).toBe(false);
      expect(r.floorMs).toBeGreaterThan(0);
      expect(r.ratioToFloor).toBeCloseTo(r.medianMs / r.floorMs, 10);
    }
    expect(parsed.results.find((r) => r.backend === 'tfjs-wasm')!.simd).toContain('wasm SIMD128');
    const wasm = parsed.results.filter((r) => r.backend === 'tfjs-wasm');
    const cpu = parsed.results.filter((r) => r.backend === 'tfjs-cpu');
    expect(wasm.map((r) => `${r.phase}@${r.L}`).sort()).toEqual(['forward+backward@16', 'forward+backward@8', 'forward@16', 'forward@8']);
    // The two peers compute the same thing: tiny sampled differences. The zeros double is caught.
    for (const r of cpu) {
      expect(r.checkAgainst).toBe('tfjs-wasm');
      expect(r.checkRelErr).toBeLessThan(1e-5);
    }
    for (const r of parsed.results.filter((r) => r.backend === 'zeros')) {
      expect(r.checkRelErr).toBeGreaterThan(0.5);
      // 'ours' never counts as the peer to beat.
      expect(r.peer === 'tfjs-wasm' || r.peer === 'tfjs-cpu').toBe(true);
    }
    // The fastest peer of each cell has ratio exactly 1.
    for (const r of parsed.results) if (r.backend === r.peer) expect(r.ratioToPeer).toBe(1);
  });

  it('writes SVG charts', () => {
    expect(files.ratioSvg).not.toBeNull();
    for (const file of [files.timeSvg, files.ratioSvg!]) {
      const svg = readFileSync(file, 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('tfjs-wasm');
    }
  });

  it('prints a table with every backend, and result lines but no progress when not a TTY', () => {
    const table = formatTable(report);
    expect(table).toContain('softmax, forward, default pages: median ms (x = ratio to tfjs-wasm)');
    expect(table).toMatch(/tfjs-wasm: tfjs 4\.22\.0 wasm .*; threads 1; SIMD wasm SIMD128/);
    expect(table).toMatch(/floor: 4 lanes x \d+ cores x [\d.]+ GHz/);
    expect(table).toMatch(/\n\s+16\s+\S+ \(1\.00x\)/);
    expect(table).toMatch(/MISMATCH: zeros softmax L=8 differs from tfjs-wasm/);
    expect(table).not.toMatch(/MISMATCH: tfjs-cpu/);
    expect(stream.text).toMatch(/\[1\/10\] tfjs-wasm softmax forward L=8: /);
    expect(stream.text).not.toContain(' ...\n');
    expect(stream.text).not.toContain('\x1b[');
  });
});

describe('measure', () => {
  it('runs warmup + repeats times when minTimeMs is 0, and keeps going until minTimeMs otherwise', async () => {
    let calls = 0;
    const m = await measure('count', () => calls++, { warmup: 2, repeats: 3, minTimeMs: 0 });
    expect(calls).toBe(5);
    expect(m.warmupMs).toHaveLength(2);
    expect(m.samplesMs).toHaveLength(3);
    let slowCalls = 0;
    // Runs of >= 1 ms against a 300 ms budget: more than one run unless a single one takes 300 ms.
    const slow = await measure('slow', () => new Promise((resolve) => setTimeout(() => resolve(slowCalls++), 1)), {
      warmup: 0,
      repeats: 1,
      minTimeMs: 300,
      maxRepeats: 10_000,
    });
    expect(slow.samplesMs.length).toBeGreaterThan(1);
    expect(slowCalls).toBe(slow.samplesMs.length);
    expect(slow.samplesMs.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(300);
  });

  it('warms up until warmupMinMs (GPU clocks), untimed, and still times `repeats` runs', async () => {
    let calls = 0;
    const m = await measure('warm', () => new Promise((resolve) => setTimeout(() => resolve(calls++), 2)), {
      warmup: 1,
      repeats: 2,
      minTimeMs: 0,
      warmupMinMs: 50,
    });
    expect(m.warmupMs.length).toBeGreaterThan(1);
    expect(m.warmupMs.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(50);
    expect(m.samplesMs).toHaveLength(2);
    expect(calls).toBe(m.warmupMs.length + 2);
  });

  it('sees memory held by the runs', async () => {
    const held: Float32Array[] = [];
    const m = await measure('hold 64 MiB', () => held.push(new Float32Array(16 * 2 ** 20).fill(1)), { warmup: 0, repeats: 1, minTimeMs: 0 });
    expect(m.peakExtraBytes).toBeGreaterThanOrEqual(60 * 2 ** 20);
    expect(held).toHaveLength(1);
  });

  it('rejects bad options with the option name', async () => {
    await expect(measure('x', () => 0, { warmup: 0, repeats: 0, minTimeMs: 0 })).rejects.toThrow(/options\.repeats = 0/);
  });

  it('median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('cross-check fingerprints', () => {
  it('are equal for equal results and differ by the relative error otherwise', () => {
    const out = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i));
    const same = fingerprint({ out });
    expect(fingerprintDifference(fingerprint({ out: out.slice() }), same)).toBe(0);
    const scaled = out.map((v) => v * 1.001);
    expect(fingerprintDifference(fingerprint({ out: scaled }), same)).toBeCloseTo(1e-3, 6);
    const broken = out.slice();
    broken[17] = Number.NaN;
    expect(fingerprintDifference(fingerprint({ out: broken }), same)).toBe(Infinity);
    expect(fingerprintDifference(fingerprint({ out }), fingerprint({ out: new Float32Array(3) }))).toBe(Infinity);
  });
});
