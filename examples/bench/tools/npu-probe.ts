/**
 * Probe: npu vs cpu wall time of post-softmax MTA forward+backward (issue 5 asks npu <= 4x cpu at L = 1024).
 * Both devices run in one process so the ratio is measured under the same machine load.
 *
 *   pnpm exec tsx examples/bench/tools/npu-probe.ts [--L 1024] [--reps 5]
 *   NPU_PROBE_ONLY=npu  skips the cpu rows (for profiling)
 */
import '@mta/ops-mta/register'; // registers cpu, npu and the MTA kernels
import { loadavg } from 'node:os';
import { integer } from '@mta/args';
import { toolFlags } from './tool-flags';
import { Rng, randNormal, tidy, type Tensor } from '@mta/core';
import { configureNpuDevice, formatExplain, npuSimulator } from '@mta/device-npu';
import { multiTokenAttention, startMtaCpuThreads, startMtaNpuThreads } from '@mta/ops-mta';

const PROBE_FLAGS = {
  L: { value: integer({ min: 1 }), default: 1024, help: 'sequence length' },
  reps: { value: integer({ min: 1 }), default: 5, help: 'timed repetitions per device' },
} as const;
const { L, reps } = toolFlags(process.argv.slice(2), PROBE_FLAGS, 'tsx npu-probe.ts [--L N] [--reps N]').values;
const only = process.env.NPU_PROBE_ONLY;
const B = 2, C = 4, K = 3;

function inputs(device: 'cpu' | 'npu'): { s: Tensor; w: Tensor; b: Tensor; g: Tensor } {
  const rng = new Rng(7);
  return {
    s: randNormal(rng, [B, C, L, L], 0, 1, { device, requiresGrad: true }),
    w: randNormal(rng, [C, C, K, K], 0, 0.3, { device, requiresGrad: true }),
    b: randNormal(rng, [C], 0, 0.1, { device, requiresGrad: true }),
    g: randNormal(rng, [B, C, L, L], 0, 1, { device }),
  };
}

function step(x: { s: Tensor; w: Tensor; b: Tensor; g: Tensor }): void {
  tidy(() => {
    const o = multiTokenAttention(x.s, x.w, x.b, { padding: 1 });
    o.backward(x.g);
  });
  for (const t of [x.s, x.w, x.b]) {
    t.grad?.dispose();
    t.grad = null;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const spreads: string[] = [];

function time(device: 'cpu' | 'npu'): number {
  const x = inputs(device);
  step(x); // warm-up
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    step(x);
    ts.push(performance.now() - t0);
  }
  spreads.push(`${device}: ${ts.map((t) => t.toFixed(0)).join(' ')}`);
  return median(ts);
}

const pool = only === 'npu' ? null : await startMtaCpuThreads();
// register starts the npu pool in the background; the timed loop below never yields, so wait for it here.
const npuPool = await startMtaNpuThreads();
console.log(`L=${L} reps=${reps} load=${loadavg().map((x) => x.toFixed(2)).join(' ')} cpu threads=${pool?.threads ?? 1} npu threads=${npuPool?.threads ?? 1}`);
const cpu = only === 'npu' ? NaN : time('cpu');
configureNpuDevice({ poison: true });
const npuPoison = time('npu');
const report = npuSimulator().explain();
const lastRecords = npuSimulator().records.slice(-3);
configureNpuDevice({ poison: false });
const npuNoPoison = only === 'npu' ? NaN : time('npu');
configureNpuDevice({ poison: true });
console.log(`cpu ${cpu.toFixed(1)} ms | npu poison ${npuPoison.toFixed(1)} ms (${(npuPoison / cpu).toFixed(2)}x) | npu no-poison ${npuNoPoison.toFixed(1)} ms (${(npuNoPoison / cpu).toFixed(2)}x)`);
console.log(`per-run ms: ${spreads.join(' | ')}`);
if (process.env.NPU_PROBE_EXPLAIN) console.log(formatExplain(report));
for (const g of report.groups.slice(-2)) console.log(`${g.name}: traffic ratio ${g.trafficRatio.toFixed(3)}`);
console.log(`last step kernels (poison): ${lastRecords.map((r) => `${r.kernel} ${r.wallMs.toFixed(1)} ms`).join(', ')}`);
process.exit(0);
