/**
 * The varying-shapes memory run: MTA forward + backward calls with random L, B and C on one device, in a
 * process of its own so that its peak RSS is this run's alone. Prints one JSON line:
 * { device, calls, peakRssMiB, pooledMiB, peakLiveMiB, liveTensors }.
 *
 *   pnpm exec tsx packages/ops-mta/tools/memory/varying-shapes.ts [--device cpu|npu] [--calls 300] [--seed 1] [--max-l 512]
 *
 * Why a tool: a caching pool keyed by exact length never reuses a buffer when every call's L differs, so
 * the pool only grows; this run is the measurement behind the allocator's size classes and pooled-bytes cap.
 */
import '@mta/ops-mta/register';
import { Rng, getDevice, tensor, tidy, type Tensor } from '@mta/core';
import { multiTokenAttention } from '@mta/ops-mta';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const deviceName = arg('device', 'cpu');
const calls = Number(arg('calls', '300'));
const maxL = Number(arg('max-l', '512'));
const rng = new Rng(Number(arg('seed', '1')));
const pick = (lo: number, hi: number): number => lo + Math.floor(rng.uniform() * (hi - lo + 1));
const device = getDevice(deviceName);
// Inputs straight from a Float32Array: the run measures the framework, not a float64 staging copy of the inputs.
const randn = (shape: number[], std: number, requiresGrad = true): Tensor => {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = std * rng.normal();
  return tensor(values, shape, { device: deviceName, requiresGrad });
};

let peakRss = process.memoryUsage().rss;
for (let call = 0; call < calls; call++) {
  const L = pick(16, maxL), B = pick(1, 2), C = pick(1, 4);
  tidy(() => {
    const scores = randn([B, C, L, L], 1), weight = randn([C, C, 3, 3], 0.3), bias = randn([C], 0.1);
    const out = multiTokenAttention(scores, weight, bias, { padding: 'causal', mode: call % 2 ? 'pre' : 'post' });
    out.backward(randn([...out.shape], 1, false));
    // Leaf gradients outlive the scope (they hang off the leaves): dispose them so live tensors stay flat.
    for (const leaf of [scores, weight, bias]) leaf.grad?.dispose();
  });
  if (process.env.VS_GC) (globalThis as { gc?: () => void }).gc?.();
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
const stats = device.memoryStats();
const maxRss = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({
  device: deviceName, calls, peakRssMiB: +(Math.max(peakRss, maxRss) / 2 ** 20).toFixed(1),
  pooledMiB: +(stats.pooledBytes / 2 ** 20).toFixed(1), peakLiveMiB: +(stats.peakBytes / 2 ** 20).toFixed(1), liveTensors: stats.liveTensors, allocations: stats.allocations, poolHits: stats.poolHits,
}));
