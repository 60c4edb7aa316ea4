/**
 * Ad-hoc timing of the fused CPU kernels (not a test: no assertions).
 *   pnpm exec tsx packages/ops-mta/src/kernels/cpu/perf-probe.ts [L ...] [--threads N] [--reps N]
 *     [--mode post|pre] [--sparse] [--dtype float32|float64] [--unshared | --sab] [--js] [--f64] [--saved] [--forward]
 * Default: the benchmarks.md setting, B=2, Cin=Cout=4, 3x3, padding 1, bias, float32, L = 512 1024 2048,
 * 1 thread (synchronous path) and the pool with all cores. Buffers are preallocated and reused, as a
 * caching allocator would, in the cpu arena as the cpu device keeps them (the float32 loops work on them
 * in place); --sab puts them in SharedArrayBuffers (rows staged through scratch, as past the arena's 4 GiB),
 * --unshared in plain ArrayBuffers (the pool stages whole maps, then works in place);
 * --js times the JavaScript row loops instead of the wasm SIMD ones (calling thread only, no pool).
 * Post mode runs as the cpu device does: the forward saves no P and the backward recomputes it from the
 * scores; --saved times the forward writing P and the backward reading it instead. --forward runs no
 * backward (the inference forward `pnpm bench` times, for profiles of the forward alone).
 * Wall time and process CPU time (all threads) are both printed: on a shared machine the CPU time
 * shows whether a slow run was the kernel or the neighbours.
 */
import { cpuArena } from '@mta/device-cpu';
import type { MtaConfig } from '../../config.js';
import { mtaGeometry } from '../../geometry.js';
import { allocateMtaArray, type MtaDType } from './arrays.js';
import { mtaBackward, mtaForward } from './fused.js';
import { MtaCpuPool } from './pool.js';
import { setSimdRowKernelsEnabled } from './scratch.js';
import { setF32RowKernelsEnabled } from './scratch-f32.js';
import { MtaCpuWorkspace } from './workspace.js';

const argv = process.argv.slice(2);
function option(name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}
const lengths = argv.filter((a, k) => /^\d+$/.test(a) && !argv[k - 1]?.startsWith('--')).map(Number);
const reps = Number(option('--reps') ?? 7);
const dtype = (option('--dtype') ?? 'float32') as MtaDType;
const mode = (option('--mode') ?? 'post') as MtaConfig['mode'];
const sparse = argv.includes('--sparse');
const shared = !argv.includes('--unshared');
const inArena = shared && !argv.includes('--sab');
const maxThreads = Number(option('--threads') ?? 0) || undefined;
const jsLoops = argv.includes('--js');
// --f64 times the float64 f64x2 loops on float32 data (the kernels before the f32x4 ones).
const f64Loops = argv.includes('--f64');
const savedMap = argv.includes('--saved') || mode === 'pre';
const forwardOnly = argv.includes('--forward');

const B = 2, C = 4;
const config: MtaConfig = { mode, sparse, pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 };

function fillRandom(array: Float32Array | Float64Array, scale: number): void {
  let state = 12345;
  for (let k = 0; k < array.length; k++) {
    state = (state * 1103515245 + 12345) >>> 0;
    array[k] = (state / 4294967296 - 0.5) * 2 * scale;
  }
}

function stats(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  return `median ${sorted[sorted.length >> 1].toFixed(1)} ms, min ${sorted[0].toFixed(1)} ms`;
}

/** A map where the cpu device would keep it (the arena), or per the flags; arena ranges go back after the probe. */
const taken: Uint8Array[] = [];
function mapArray(length: number): Float32Array | Float64Array {
  const bytes = length * (dtype === 'float32' ? 4 : 8);
  const range = inArena ? cpuArena.take(bytes) : undefined;
  if (range === undefined) return allocateMtaArray(dtype, length, { shared });
  taken.push(range);
  return dtype === 'float32' ? new Float32Array(range.buffer, range.byteOffset, length) : new Float64Array(range.buffer, range.byteOffset, length);
}

async function probe(L: number, workspace: MtaCpuWorkspace, label: string, quiet = false): Promise<void> {
  const geometry = mtaGeometry({ B, Cin: C, Cout: C, L, kH: 3, kW: 3 }, config, { hasBias: true, dtype });
  const map = B * C * L * L;
  const scores = mapArray(map);
  const gradOut = mapArray(map);
  fillRandom(scores, 1);
  fillRandom(gradOut, 1);
  const weight = allocateMtaArray(dtype, C * C * 9);
  const bias = allocateMtaArray(dtype, C);
  fillRandom(weight, 0.3);
  fillRandom(bias, 0.1);
  const out = mapArray(map);
  const probs = mapArray(map);
  const gradScores = mapArray(map);
  // Touch every page once so first-touch cost (benchmarks.md) is not measured.
  out.fill(0); probs.fill(0); gradScores.fill(0);
  const forward: number[] = [];
  const both: number[] = [];
  const cpuBoth: number[] = [];
  const cpuForward: number[] = [];
  for (let rep = 0; rep < reps + 2; rep++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const saved = savedMap
      ? mtaForward(scores, weight, bias, geometry, { out, probs }, workspace).saved
      : (mtaForward(scores, weight, bias, geometry, { out, probs: null }, workspace), { geometry, probs: null });
    const t1 = performance.now();
    const cf = process.cpuUsage(c0);
    if (!forwardOnly) mtaBackward(gradOut, saved, scores, weight, { gradScores }, workspace);
    const t2 = performance.now();
    const c1 = process.cpuUsage(c0);
    if (rep >= 2) {
      forward.push(t1 - t0);
      both.push(t2 - t0);
      cpuBoth.push((c1.user + c1.system) / 1000);
      cpuForward.push((cf.user + cf.system) / 1000);
    }
  }
  for (const range of taken.splice(0)) cpuArena.give(range);
  // CPU time (all threads) next to wall time tells a loaded machine from a slow kernel.
  if (!quiet) console.log(`L=${L} ${label}: forward ${stats(forward)} | forward+backward ${stats(both)} | cpu time: forward ${stats(cpuForward)}, fwd+bwd ${stats(cpuBoth)}`);
}

if (jsLoops) setSimdRowKernelsEnabled(false);
if (f64Loops) setF32RowKernelsEnabled(false);
const pool = jsLoops ? null : await MtaCpuPool.create(maxThreads ? { threads: maxThreads } : {});
const sync = new MtaCpuWorkspace();
const threaded = pool ? new MtaCpuWorkspace({ pool }) : null;
console.log(`B=${B} Cin=Cout=${C} K=3x3 pads 1 ${mode}${sparse ? ' sparsemax' : ' softmax'} ${dtype}, ${savedMap ? 'P saved' : 'P recomputed'}, ${inArena ? 'arena' : shared ? 'SharedArrayBuffer' : 'unshared'} buffers, ${jsLoops ? 'JavaScript' : 'wasm SIMD'} row loops, ${reps} reps after warm-up`);
// JIT warm-up on every thread (the first size measured would otherwise pay for it).
for (let k = 0; k < 3; k++) {
  await probe(256, sync, 'warm-up', true);
  if (threaded) await probe(256, threaded, 'warm-up', true);
}
for (const L of lengths.length > 0 ? lengths : [512, 1024, 2048]) {
  await probe(L, sync, '1 thread ');
  if (pool && threaded) await probe(L, threaded, `${pool.threads} threads`);
}
await pool?.close();
