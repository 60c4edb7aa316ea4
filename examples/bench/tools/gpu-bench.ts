/**
 * The GPU machine's half of the H200 benchmark (bench/h200/README.md): the webgpu rows (device-resident and
 * host to host) and ONNX Runtime's WebGPU EP at each L, in this one process, one L at a time (so the 2 GiB
 * inputs of L = 8192 are made once for all backends), then the raw run (fingerprints included, for the
 * cross-check with the PyTorch peer), the report rows and the machine's GPU as JSON files.
 *
 * Bundled into one .mjs with esbuild (node_modules do not travel to the GPU machine); there:
 *   bash .gpu/run.sh node gpu-bench.mjs --L 512,1024 --out DIR
 * `tools/merge-peers.ts` then merges the PyTorch peer's rows (bench/peers/pytorch_cuda.py) and draws the plots.
 */
import '@mta/ops-mta/register'; // the cpu device: the ONNX export traces on it
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { integer, listOf, text } from '@mta/args';
import { webgpuContext } from '@mta/device-webgpu';
import { BENCH_BACKENDS } from '../src/backends/index';
import { toolFlags } from './tool-flags';
import { DEFAULT_SIZE } from '../src/problem';
import { buildReport } from '../src/results';
import { runBench, type BenchPlan, type BenchRun } from '../src/runner';
import { ProgressBar } from '../src/progress';
import { runTool } from './tool-main';

const { values } = toolFlags(process.argv.slice(2), {
  L: { value: listOf(integer({ min: 1 })), default: [512, 1024, 2048, 4096, 8192], help: 'sequence lengths' },
  backends: { value: listOf(text('a backend')), default: ['webgpu', 'webgpu-host', 'ort-webgpu'], help: 'bench backends' },
  out: { value: text('a directory'), default: 'gpu-bench-out', help: 'output directory' },
  'warmup-ms': {
    value: integer({ min: 0 }), default: 1000,
    help: 'untimed runs of each cell until they add up to this many ms: the GPU leaves its idle clock only after being busy a while',
  },
}, 'node gpu-bench.mjs [--L 512,...] [--backends webgpu,...] [--out DIR] [--warmup-ms MS]');

/** Short cells at large L: a host-to-host run there moves gigabytes each way. */
function measureFor(L: number, warmupMinMs: number): BenchPlan['measure'] {
  return L <= 2048 ? { warmup: 2, repeats: 10, minTimeMs: 300, warmupMinMs } : { warmup: 1, repeats: 4, minTimeMs: 0, warmupMinMs };
}

/** What the adapter says about itself (vendor, architecture, device, description: the driver is in there on Vulkan). */
async function adapterInfo(): Promise<Record<string, unknown>> {
  const ctx = webgpuContext();
  const adapter = await ctx.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) return { error: 'no adapter on the second request' };
  const info = (adapter as unknown as { info: Record<string, unknown> }).info;
  const fields = ['vendor', 'architecture', 'device', 'description', 'subgroupMinSize', 'subgroupMaxSize', 'isFallbackAdapter'];
  const limits = adapter.limits as unknown as Record<string, number>;
  return {
    ...Object.fromEntries(fields.map((f) => [f, info[f]])),
    features: [...adapter.features].sort(),
    limits: Object.fromEntries(['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup'].map((k) => [k, limits[k]])),
    workgroupSize: ctx.limits.workgroupSize,
  };
}

async function main(): Promise<void> {
  const backends = values.backends.map((name) => {
    const entry = BENCH_BACKENDS.find((b) => b.name === name);
    if (entry === undefined) throw new Error(`unknown backend '${name}'`);
    return entry;
  });
  const merged: BenchRun = { measured: [], fingerprints: [], failures: [], skipped: [], descriptions: {}, infos: {}, notes: [] };
  let plan: BenchPlan | undefined;
  for (const L of values.L) {
    plan = {
      backends, variants: ['softmax'], Ls: [L], phases: ['forward', 'forward+backward'], size: DEFAULT_SIZE, seed: 1,
      measure: measureFor(L, values['warmup-ms']), repeatsFromUser: true, noCap: true, isolate: false, check: true, hugetlb: 'off',
    };
    const started = performance.now();
    const run = await runBench(plan, new ProgressBar(backends.length * 2));
    merged.measured.push(...run.measured);
    merged.fingerprints.push(...run.fingerprints);
    merged.failures.push(...run.failures);
    merged.skipped.push(...run.skipped);
    Object.assign(merged.descriptions, run.descriptions);
    Object.assign(merged.infos, run.infos);
    merged.notes.push(...run.notes.filter((n) => !merged.notes.includes(n)));
    console.error(`L = ${L}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const all: BenchPlan = { ...plan!, Ls: values.L, measure: { warmup: 2, repeats: 10, minTimeMs: 300 } };
  merged.notes.push(`measure: L <= 2048: 2 warm-ups, >= 10 runs, >= 300 ms; L >= 4096: 1 warm-up, 4 runs; warm-up runs continue until they add up to ${values['warmup-ms']} ms (GPU clocks). One process, one L at a time; firstCallMs of forward+backward reuses the forward pipelines compiled by the forward phase at the same L.`);
  const report = buildReport(merged, all, 'webgpu');
  const gpu = await adapterInfo().catch((error: unknown) => ({ error: String(error) }));
  mkdirSync(values.out, { recursive: true });
  const write = (name: string, value: unknown) => writeFileSync(path.join(values.out, name), `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1)}\n`);
  write('webgpu-report.json', { ...report, adapter: gpu });
  write('webgpu-run.json', { plan: { ...all, backends: all.backends.map((b) => b.name) }, run: merged, adapter: gpu, environment: report.environment });
  for (const r of report.results) {
    console.log(`${r.backend.padEnd(12)} ${r.phase.padEnd(17)} L=${String(r.L).padEnd(5)} median ${r.medianMs.toFixed(2)} ms  min ${r.minMs.toFixed(2)}  first ${r.firstCallMs?.toFixed(1)} ms  check ${r.checkRelErr?.toExponential(1)}  ${JSON.stringify(r.extra ?? {})}`);
  }
  for (const f of report.failures) console.log(`FAILED ${f.backend} ${f.phase} L=${f.L}: ${f.message}`);
  console.log(JSON.stringify(gpu));
}

runTool(main);
