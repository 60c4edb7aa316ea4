/**
 * Joins the GPU machine's bench run (tools/gpu-bench.ts: webgpu-run.json) with peer rows written by scripts
 * outside Node (bench/peers/pytorch_cuda.py), in the bench's own report: ratios to the fastest peer, the
 * cross-check of every backend's fingerprint against the reference (webgpu), results.json and the two charts.
 * The environment is the GPU machine's, as recorded there.
 *
 *   pnpm exec tsx examples/bench/tools/merge-peers.ts --run webgpu-run.json --peers a.json,b.json --out bench/h200
 */
import { readFileSync } from 'node:fs';
import { listOf, text } from '@mta/args';
import { toolFlags } from './tool-flags';
import type { CellFingerprint, BenchPlan, BenchRun, MeasuredPhase } from '../src/runner';
import { buildReport, formatTable, writeReport, type BenchReport } from '../src/results';
import { BENCH_BACKENDS } from '../src/backends/index';
import type { BenchBackendEntry, BenchFailure, BenchResult, Phase } from '../src/types';

interface GpuRunFile {
  readonly plan: Omit<BenchPlan, 'backends'> & { readonly backends: readonly string[] };
  readonly run: BenchRun;
  readonly adapter: Readonly<Record<string, unknown>>;
  readonly environment: BenchReport['environment'];
}

/** What bench/peers/*.py write: the bench's result rows plus fingerprints. */
interface PeerFile {
  readonly format: 'mta-bench-peer/1';
  readonly backends: readonly { readonly name: string; readonly kind: 'peer'; readonly summary: string; readonly runtime: string }[];
  readonly environment: Readonly<Record<string, unknown>>;
  readonly results: readonly BenchResult[];
  readonly fingerprints: readonly CellFingerprint[];
  readonly failures: readonly BenchFailure[];
}

const { values } = toolFlags(process.argv.slice(2), {
  run: { value: text('a file'), help: "gpu-bench.ts's webgpu-run.json" },
  peers: { value: listOf(text('a file')), default: [], help: 'peer JSON files' },
  out: { value: text('a directory'), help: 'where results.json and the charts go' },
}, 'tsx merge-peers.ts --run webgpu-run.json --peers a.json,b.json --out DIR');
if (values.run === undefined || values.out === undefined) throw new Error('usage: merge-peers.ts --run FILE [--peers A,B] --out DIR');

const gpu = JSON.parse(readFileSync(values.run, 'utf8')) as GpuRunFile;
const peers = values.peers.map((f) => JSON.parse(readFileSync(f, 'utf8')) as PeerFile);
for (const [i, p] of peers.entries()) if (p.format !== 'mta-bench-peer/1') throw new Error(`${values.peers[i]}: not an mta-bench-peer/1 file`);

/** A peer row back to the runner's measured form (the first call was its only warm-up that counts). */
function measuredOf(r: BenchResult): MeasuredPhase {
  return {
    backend: r.backend, variant: r.variant, phase: r.phase, L: r.L, hugetlb: r.hugetlb ?? false,
    measurement: {
      name: `${r.backend} ${r.variant} ${r.phase} L=${r.L}`, warmupMs: r.firstCallMs === null ? [] : [r.firstCallMs],
      samplesMs: r.samplesMs, medianMs: r.medianMs, minMs: r.minMs, peakExtraBytes: r.peakExtraBytes,
      memory: { baselineRssBytes: 0, baselineArrayBuffersBytes: 0, maxSampledRssBytes: 0, highWaterRssBytes: null, maxSampledArrayBuffersBytes: 0 },
    },
    ...(r.extra === undefined ? {} : { extra: r.extra }),
  };
}

const ours = gpu.plan.backends.map((name) => {
  const entry = BENCH_BACKENDS.find((b) => b.name === name);
  if (entry === undefined) throw new Error(`the run names backend '${name}', which BENCH_BACKENDS does not have`);
  return entry;
});
const peerEntries: BenchBackendEntry[] = peers.flatMap((p) => p.backends.map((b) => ({
  name: b.name, kind: 'peer' as const, summary: b.summary, phases: ['forward', 'forward+backward'] as Phase[],
  create: () => Promise.reject(new Error(`${b.name} runs outside Node (bench/peers)`)),
})));
const plan: BenchPlan = { ...gpu.plan, backends: [...ours, ...peerEntries] };
const run: BenchRun = {
  measured: [...gpu.run.measured, ...peers.flatMap((p) => p.results.map(measuredOf))],
  fingerprints: [...gpu.run.fingerprints, ...peers.flatMap((p) => p.fingerprints)],
  failures: [...gpu.run.failures, ...peers.flatMap((p) => p.failures)],
  skipped: gpu.run.skipped ?? [],
  infos: gpu.run.infos ?? {},
  descriptions: { ...gpu.run.descriptions, ...Object.fromEntries(peers.flatMap((p) => p.backends.map((b) => [b.name, b.runtime]))) },
  notes: [...gpu.run.notes, 'PyTorch rows: bench/peers/pytorch_cuda.py in the same device session; peakExtraBytes there is CUDA memory (max_memory_allocated above what the inputs held), not host memory.'],
};
const report = { ...buildReport(run, plan, 'webgpu'), environment: gpu.environment, gpu: { adapter: gpu.adapter, peers: peers.map((p) => p.environment) } };
const files = await writeReport(report, values.out);
console.log(formatTable(report));
console.log(`\nwrote ${files.json}\n      ${files.timeSvg}${files.ratioSvg ? `\n      ${files.ratioSvg}` : ''}`);
