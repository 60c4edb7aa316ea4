/**
 * Benchmark: npu forward + backward in the simulator against the plain CPU baseline, on the op of
 * the README's Benchmarks section (post-softmax MTA, B=2, Cin=Cout=4, 3x3, padding 1, bias, float32).
 *
 *   pnpm exec tsx packages/ops-mta/tools/npu/bench.ts [--L 1024] [--iters 7] [--ub 192KiB] [--mode post|pre] [--sparse] [--poison off]
 *
 * Prints wall times (median and min after one warm-up), the ratio, GM traffic against the minimum, and the
 * largest difference between the two implementations' outputs (the CPU baseline covers post softmax only).
 */
import '@mta/ops-mta/register'; // registers cpu, npu and the MTA kernels
import { NpuSimulator, formatExplain, makeNpuSpec } from '@mta/device-npu';
import { npuMtaBackward, npuMtaForward, npuMtaFreeSaved } from '../../src/kernels/npu/index.js';
import { cpuMtaBackward, cpuMtaBuffers, cpuMtaForward } from './cpu-baseline.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

function randomArray(n: number, seed: number, scale: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

const stats = (xs: number[]): { median: number; min: number } => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]! };
};

const L = Number(arg('L', '1024'));
const iters = Number(arg('iters', '7'));
const ub = arg('ub', '192KiB');
const B = 2;
const C = 4;
const K = 3;
const n = B * C * L * L;
const scoresH = randomArray(n, 1, 3);
const weightH = randomArray(C * C * K * K, 2, 0.5);
const biasH = randomArray(C, 3, 1);
const gradH = randomArray(n, 4, 1);

const spec = makeNpuSpec({ ub });
const sim = new NpuSimulator(spec, { poison: arg('poison', 'on') !== 'off' });
const shape = { B, Cin: C, Cout: C, L, kH: K, kW: K };
const mode = arg('mode', 'post') === 'pre' ? ('pre' as const) : ('post' as const);
const sparse = process.argv.includes('--sparse');
const config = { mode, sparse, pads: (mode === 'post' ? [1, 1, 1, 1] : [2, 0, 1, 1]) as [number, number, number, number], dilation: [1, 1] as const, groups: 1 };
const withCpu = mode === 'post' && !sparse;
const scores = sim.upload('scores', 'float32', [B, C, L, L], scoresH);
const weight = sim.upload('weight', 'float32', [C, C, K, K], weightH);
const bias = sim.upload('bias', 'float32', [C], biasH);
const gradOut = sim.upload('grad_out', 'float32', [B, C, L, L], gradH);

const cpuBuf = withCpu ? cpuMtaBuffers({ B, C, L, K }) : null;
const npuMs: number[] = [];
const cpuMs: number[] = [];
let maxDiff = 0;
for (let it = 0; it <= iters; it++) {
  sim.clearRecords();
  const t0 = performance.now();
  const { out, saved } = npuMtaForward(sim, scores, weight, bias, shape, config);
  const g = npuMtaBackward(sim, gradOut, saved);
  const t1 = performance.now();
  const c0 = performance.now();
  if (cpuBuf) {
    cpuMtaForward({ B, C, L, K }, scoresH, weightH, biasH, cpuBuf);
    cpuMtaBackward({ B, C, L, K }, weightH, gradH, cpuBuf);
  }
  const c1 = performance.now();
  if (it > 0) {
    npuMs.push(t1 - t0);
    cpuMs.push(c1 - c0);
  }
  if (it === iters) {
    const o = sim.download(out);
    const ds = sim.download(g.gradScores);
    if (cpuBuf) for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(o[i]! - cpuBuf.out[i]!), Math.abs(ds[i]! - cpuBuf.gradScores[i]!));
    const r = sim.explain();
    console.log(formatExplain(r));
  }
  sim.free(out);
  npuMtaFreeSaved(sim, saved);
  sim.free(g.gradScores);
  sim.free(g.gradWeight);
  if (g.gradBias) sim.free(g.gradBias);
}
const npu = stats(npuMs);
const cpu = stats(cpuMs);
const groups = sim.explain().groups;
const traffic = groups.reduce((s, x) => s + x.readBytes + x.writeBytes, 0);
const minimum = groups.reduce((s, x) => s + x.minReadBytes + x.minWriteBytes, 0);
console.log(`\n${mode} ${sparse ? 'sparsemax' : 'softmax'} L=${L} B=${B} C=${C} K=${K} UB ${ub}, ${iters} timed iterations after 1 warm-up`);
console.log(`npu simulator fwd+bwd: median ${npu.median.toFixed(0)} ms, min ${npu.min.toFixed(0)} ms`);
if (withCpu) {
  console.log(`cpu baseline  fwd+bwd: median ${cpu.median.toFixed(0)} ms, min ${cpu.min.toFixed(0)} ms`);
  console.log(`ratio npu/cpu: median ${(npu.median / cpu.median).toFixed(2)}x, min ${(npu.min / cpu.min).toFixed(2)}x`);
}
console.log(`GM traffic fwd+bwd: ${(traffic / 2 ** 20).toFixed(2)} MiB vs minimum ${(minimum / 2 ** 20).toFixed(2)} MiB = ${(traffic / minimum).toFixed(3)}x`);
if (withCpu) console.log(`max |npu - cpu| over O and dS: ${maxDiff.toExponential(2)}`);
