/**
 * Every counter the npu simulator reports for a set of MTA calls, captured as plain JSON: per launch the
 * whole LaunchRecord (wall time excepted), per core the vector unit's counters, the DMA engine's counters and
 * the UB peak, per op group what explain() sums, the running totals, and a hash of every output's bits.
 *
 * `test/fixtures/npu-counters.json` holds what the simulator counted before its vector ops and DMA paths were
 * rewritten for speed (issue 16, item 2); `npu-counters.test.ts` asserts the current code counts exactly the
 * same. Regenerate only on purpose, when a change is meant to count differently:
 *
 *   pnpm exec tsx packages/ops-mta/tools/npu/counter-fixture.ts --write
 */
import {
  type CoreCounts, type DmaCounters, type GmBuffer, type KernelContext, type LaunchInfo, type LaunchRecord, type NpuCorePool, type NpuDType, type VectorCounters,
  NpuSimulator, makeNpuSpec,
} from '@mta/device-npu';
import {
  type NpuMtaConfig, type NpuMtaPlanOptions, type NpuMtaShape, npuMtaBackward, npuMtaForward, planNpuMta,
} from '../../src/kernels/npu/index.js';
import { loadGolden } from './npu-golden.js';
import type { CaseInputs } from './npu-run-case.js';

/** One call to capture: a golden case's inputs, or seeded inputs of a synthetic shape. */
export interface CounterCase {
  readonly name: string;
  /** A public golden case (its shape, config and tensors) ... */
  readonly golden?: string;
  /** ... or a synthetic call: B = 2, Cin = Cout = 4, 3 x 3, bias, seeded normal inputs. */
  readonly synthetic?: { readonly L: number; readonly mode: 'post' | 'pre'; readonly sparse: boolean };
  readonly ub: string;
  readonly dtype: NpuDType;
  readonly poison: boolean;
  readonly plan?: Omit<NpuMtaPlanOptions, 'config' | 'bias' | 'planner'>;
}

const cap = (n: number) => ({ maxColBlock: n, maxRowBlock: n });

/**
 * Golden shapes (L = 5, 97, 130 and the geometry variants), the multi-block kernels (small UB, capped blocks),
 * half precision, poison off, and the bench's shape at L = 1024 in both modes and activations.
 */
export const COUNTER_CASES: readonly CounterCase[] = [
  { name: 'liger-b', golden: 'liger-b', ub: '192KiB', dtype: 'float32', poison: true },
  { name: 'liger-b-sparse', golden: 'liger-b-sparse', ub: '192KiB', dtype: 'float32', poison: true },
  { name: 'long-97-sparse', golden: 'long-97-sparse', ub: '192KiB', dtype: 'float32', poison: true },
  { name: 'long-130', golden: 'long-130', ub: '192KiB', dtype: 'float32', poison: true },
  { name: 'pre-toy', golden: 'pre-toy', ub: '192KiB', dtype: 'float32', poison: true },
  { name: 'pre-sparse', golden: 'pre-sparse', ub: '192KiB', dtype: 'float32', poison: true },
  { name: 'groups2', golden: 'groups2', ub: '192KiB', dtype: 'float32', poison: true },
  { name: 'dilated-widen', golden: 'dilated-widen', ub: '192KiB', dtype: 'float32', poison: true },
  { name: 'depthwise-rect', golden: 'depthwise-rect', ub: '192KiB', dtype: 'float32', poison: true },
  { name: 'nan-above-diagonal', golden: 'nan-above-diagonal', ub: '192KiB', dtype: 'float32', poison: true },
  { name: 'long-130 float16', golden: 'long-130', ub: '192KiB', dtype: 'float16', poison: true },
  { name: 'long-97-sparse bfloat16 16KiB', golden: 'long-97-sparse', ub: '16KiB', dtype: 'bfloat16', poison: true },
  { name: 'long-130 16KiB cap 7', golden: 'long-130', ub: '16KiB', dtype: 'float32', poison: true, plan: cap(7) },
  { name: 'long-97-sparse 16KiB cap 4', golden: 'long-97-sparse', ub: '16KiB', dtype: 'float32', poison: true, plan: cap(4) },
  { name: 'pre-toy 16KiB cap 4', golden: 'pre-toy', ub: '16KiB', dtype: 'float32', poison: true, plan: cap(4) },
  { name: 'pre-sparse 192KiB cap 7', golden: 'pre-sparse', ub: '192KiB', dtype: 'float32', poison: true, plan: cap(7) },
  { name: 'L600 post softmax 16KiB', synthetic: { L: 600, mode: 'post', sparse: false }, ub: '16KiB', dtype: 'float32', poison: true },
  { name: 'L600 pre sparsemax 16KiB float16', synthetic: { L: 600, mode: 'pre', sparse: true }, ub: '16KiB', dtype: 'float16', poison: true },
  { name: 'L260 post softmax poison off', synthetic: { L: 260, mode: 'post', sparse: false }, ub: '192KiB', dtype: 'float32', poison: false },
  { name: 'L1024 post softmax (bench)', synthetic: { L: 1024, mode: 'post', sparse: false }, ub: '192KiB', dtype: 'float32', poison: true },
  { name: 'L1024 post sparsemax', synthetic: { L: 1024, mode: 'post', sparse: true }, ub: '192KiB', dtype: 'float32', poison: true },
  { name: 'L1024 pre softmax', synthetic: { L: 1024, mode: 'pre', sparse: false }, ub: '192KiB', dtype: 'float32', poison: true },
];

/** Per-core counters of one launch, one array per counter, indexed by core. */
export type CoreCounters = Record<keyof VectorCounters | keyof DmaCounters | 'ubPeakBytes', number[]>;

export type LaunchCounters = Omit<LaunchRecord, 'wallMs'> & { readonly perCore: CoreCounters };

export interface CaseCounters {
  readonly launches: LaunchCounters[];
  readonly groups: Array<Record<string, unknown>>;
  readonly totals: Record<string, unknown>;
  /** FNV-1a of each output's raw storage (float32 bits or 16-bit patterns), hex. */
  readonly outputs: Record<string, string>;
}

/** What CoreContext exposes beyond KernelContext; read here only, to count per core. */
interface CoreInternals {
  readonly ub: { readonly peakBytes: number };
  readonly dmaCounters: DmaCounters;
}

function hasInternals(ctx: KernelContext): ctx is KernelContext & CoreInternals {
  return 'dmaCounters' in ctx && 'ub' in ctx;
}

const VECTOR_KEYS = ['elemOps', 'repeats', 'scalarOps', 'instructions'] as const;
const DMA_KEYS = ['readBytes', 'writeBytes', 'readBurstBytes', 'writeBurstBytes', 'transfersIn', 'transfersOut'] as const;

function emptyCoreCounters(): CoreCounters {
  const c = {} as CoreCounters;
  for (const k of [...VECTOR_KEYS, ...DMA_KEYS, 'ubPeakBytes'] as const) c[k] = [];
  return c;
}

/** Wraps sim.launch so that each core's counters are read right after the kernel body ran on it. */
function instrument(sim: NpuSimulator, perCore: CoreCounters[]): void {
  const launch = sim.launch.bind(sim);
  sim.launch = (info: LaunchInfo, body: (ctx: KernelContext) => void): LaunchRecord => {
    const c = emptyCoreCounters();
    perCore.push(c);
    return launch(info, (ctx) => {
      body(ctx);
      if (!hasInternals(ctx)) throw new Error('npu-counters: the kernel context no longer exposes ub and dmaCounters; update the capture');
      for (const k of VECTOR_KEYS) c[k].push(ctx.v.counters[k]);
      for (const k of DMA_KEYS) c[k].push(ctx.dmaCounters[k]);
      c.ubPeakBytes.push(ctx.ub.peakBytes);
    });
  };
}

function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** mulberry32 normals (Box-Muller), as the bench makes its inputs. */
function normals(count: number, scale: number, seed: number): Float64Array {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    const radius = scale * Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < count) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

function inputsOf(c: CounterCase): CaseInputs {
  if (c.golden) {
    const g = loadGolden().find((x) => x.name === c.golden);
    if (!g) throw new Error(`npu-counters: no golden case '${c.golden}'`);
    return {
      shape: g.shape, config: g.config, scores: g.tensors.scores!.data, weight: g.tensors.weight!.data,
      bias: g.bias ? g.tensors.bias!.data : null, gradOut: g.tensors.grad_out!.data,
    };
  }
  const s = c.synthetic!;
  const shape: NpuMtaShape = { B: 2, Cin: 4, Cout: 4, L: s.L, kH: 3, kW: 3 };
  const pads: [number, number, number, number] = s.mode === 'post' ? [1, 1, 1, 1] : [2, 0, 1, 1];
  const n = 2 * 4 * s.L * s.L;
  return {
    shape, config: { mode: s.mode, sparse: s.sparse, pads, dilation: [1, 1], groups: 1 },
    scores: normals(n, 1, s.L * 7919 + 1), weight: normals(144, 1 / 6, 2), bias: normals(4, 0.1, 3), gradOut: normals(n, 1, s.L * 7919 + 4),
  };
}

/**
 * Runs forward + backward of one case on a fresh simulator and returns every counter it reported. With a core
 * pool the launches that can run on its threads do, and the per-core counters come from the simulator's
 * `onCoreCounts` (the kernel bodies of those cores run on other threads, out of reach of the wrapper).
 */
export function captureCounters(c: CounterCase, corePool: NpuCorePool | null = null): CaseCounters {
  const x = inputsOf(c);
  const spec = makeNpuSpec({ ub: c.ub, env: {} });
  const perCore: CoreCounters[] = [];
  let current: { kernel: string; counters: CoreCounters } | null = null;
  const onCoreCounts = (kernel: string, core: number, counts: CoreCounts): void => {
    // A launch's cores arrive in order from 0: core 0 opens the launch's entry.
    if (core === 0 || current === null || current.kernel !== kernel) {
      current = { kernel, counters: emptyCoreCounters() };
      perCore.push(current.counters);
    }
    const k = current.counters;
    for (const key of VECTOR_KEYS) k[key].push(counts[key]);
    for (const key of DMA_KEYS) k[key].push(counts.dma[key]);
    k.ubPeakBytes.push(counts.ubPeakBytes);
  };
  const sim = new NpuSimulator(spec, corePool ? { poison: c.poison, corePool, onCoreCounts } : { poison: c.poison });
  if (!corePool) instrument(sim, perCore);
  const { B, Cin, Cout, L, kH, kW } = x.shape;
  const G = x.config.groups;
  const plan = planNpuMta(x.shape, c.dtype, spec, { ...c.plan, config: x.config, bias: x.bias !== null });
  const scores = sim.upload('scores', c.dtype, [B, Cin, L, L], x.scores);
  const weight = sim.upload('weight', c.dtype, [Cout, Cin / G, kH, kW], x.weight);
  const bias = x.bias ? sim.upload('bias', c.dtype, [Cout], x.bias) : null;
  const gradOut = sim.upload('grad_out', c.dtype, [B, Cout, L, L], x.gradOut);
  const { out, saved } = npuMtaForward(sim, scores, weight, bias, x.shape, x.config, { plan });
  const grads = npuMtaBackward(sim, gradOut, saved);
  const hash = (gm: GmBuffer): string => {
    const raw = sim.downloadRaw(gm);
    return fnv1a(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
  };
  const outputs: Record<string, string> = { out: hash(out), gradScores: hash(grads.gradScores), gradWeight: hash(grads.gradWeight) };
  if (grads.gradBias) outputs.gradBias = hash(grads.gradBias);
  if (x.config.mode === 'post') outputs.probs = hash(saved.probs);
  if (sim.records.length !== perCore.length) throw new Error(`npu-counters: ${sim.records.length} launches recorded, ${perCore.length} instrumented`);
  const launches = sim.records.map((r, i): LaunchCounters => {
    const { wallMs: _wall, ...rest } = r;
    return { ...rest, perCore: perCore[i]! };
  });
  const groups = sim.explain().groups.map((g) => {
    const { wallMs: _wall, ...rest } = g;
    return { ...rest };
  });
  const { wallMs: _wall, ...totals } = sim.totals;
  // Through JSON, as the fixture was: NaN ratios become null on both sides.
  return JSON.parse(JSON.stringify({ launches, groups, totals, outputs })) as CaseCounters;
}

/** The fixture file's text: one case per key, one launch per line, so a diff points at the launch. */
export function formatCounterFixture(all: Record<string, CaseCounters>): string {
  const lines = ['{'];
  const names = Object.keys(all);
  names.forEach((name, i) => {
    const c = all[name]!;
    lines.push(`  ${JSON.stringify(name)}: {`);
    lines.push('    "launches": [');
    c.launches.forEach((l, j) => lines.push(`      ${JSON.stringify(l)}${j < c.launches.length - 1 ? ',' : ''}`));
    lines.push('    ],');
    lines.push(`    "groups": ${JSON.stringify(c.groups)},`);
    lines.push(`    "totals": ${JSON.stringify(c.totals)},`);
    lines.push(`    "outputs": ${JSON.stringify(c.outputs)}`);
    lines.push(`  }${i < names.length - 1 ? ',' : ''}`);
  });
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
