/** Command line of `pnpm bench`: flags to a `BenchPlan` plus the output directory. */
import { resolve } from 'node:path';
import { formatFlagHelp, integer, listOf, oneOf, parseFlags, text, wantsHelp, type FlagSpecs } from '@mta/args';
import type { MeasureSettings } from './cell';
import { callerDir, freshRunDir } from './out-dir';
import { DEFAULT_SIZE } from './problem';
import type { BenchPlan } from './runner';
import { PHASES, VARIANTS, type BenchBackendEntry } from './types';

export const DEFAULT_LS: readonly number[] = [128, 256, 512, 1024, 2048];
const QUICK_LS: readonly number[] = [64, 128];
// The warm-up also runs for at least warmupMinMs: V8 moves hot wasm from its baseline compiler (Liftoff) to
// TurboFan only after a while, per thread, so a cell of 2 ms calls timed after two warm-ups times partly
// baseline code (the cpu kernel's forward + backward at L = 256: 2.2 ms median after 2 warm-ups, 1.6 after 300).
const DEFAULT_MEASURE: MeasureSettings = { warmup: 2, repeats: 5, minTimeMs: 1000, warmupMinMs: 500 };
const QUICK_MEASURE: MeasureSettings = { warmup: 1, repeats: 3, minTimeMs: 0, warmupMinMs: 0 };

/** The flags of `pnpm bench`, read by the examples' one parser (@mta/args); `usage` lists them. */
function benchFlags(backends: readonly BenchBackendEntry[]) {
  return {
    L: { value: listOf(integer({ min: 1 })), placeholder: '512,1024', help: 'sequence lengths (default 128,256,512,1024,2048)' },
    quick: { switch: true, help: 'CI size: L 64,128, 1 warm-up, 3 runs (flags given explicitly win)' },
    variants: { value: listOf(oneOf(VARIANTS)), placeholder: 'a,b', help: `${VARIANTS.join(',')} (default both)` },
    backends: {
      value: listOf(oneOf(backends.map((b) => b.name))), placeholder: 'a,b',
      help: `${backends.map((b) => b.name).join(',')} (default: all but the opt-in ${backends.filter((b) => b.optIn !== undefined).map((b) => b.name).join(',') || 'none'}, which run only when named)`,
    },
    peers: {
      value: listOf(oneOf(backends.filter((b) => b.optIn !== undefined && b.kind === 'peer').map((b) => b.name))), placeholder: 'torch',
      help: 'opt-in peers to add (torch: PyTorch CPU through python3; skipped with the reason when it cannot import torch)',
    },
    hugetlb: { value: oneOf(['off', 'on', 'both'] as const), placeholder: 'off|on|both', help: 'run cells with GLIBC_TUNABLES=glibc.malloc.hugetlb=1: on, off, or both (every cell twice; default off)' },
    phases: { value: listOf(oneOf(PHASES)), placeholder: 'a,b', help: `${PHASES.join(',')} (default both)` },
    warmup: { value: integer(), placeholder: 'N', help: `untimed runs first (default ${DEFAULT_MEASURE.warmup})` },
    'warmup-ms': { value: integer(), placeholder: 'MS', help: `untimed runs continue until MS total (default ${DEFAULT_MEASURE.warmupMinMs}: JIT tiers)` },
    repeats: { value: integer({ min: 1 }), placeholder: 'N', help: `timed runs at least (default ${DEFAULT_MEASURE.repeats})` },
    'min-time': { value: integer(), placeholder: 'MS', help: `timed runs continue until MS total (default ${DEFAULT_MEASURE.minTimeMs})` },
    'no-cap': { switch: true, help: 'also run slow peers beyond their default largest L' },
    'in-process': { switch: true, help: 'run every cell in this process (default: one fresh process per cell)' },
    'no-check': { switch: true, help: 'skip the cross-check of results between backends' },
    seed: { value: integer(), default: 1, placeholder: 'N', help: 'input seed (default 1)' },
    out: { value: text('a directory'), placeholder: 'DIR', help: 'where results.json and the SVG charts go (default: a fresh runs/bench/<time>)' },
    force: { switch: true, help: 'let --out overwrite the results of an earlier run (e.g. --out bench for the committed ones)' },
  } as const satisfies FlagSpecs;
}

export function usage(backends: readonly BenchBackendEntry[]): string {
  return ['pnpm bench [flags]   post-softmax MTA, B=2, Cin=Cout=4, K=3, padding 1, float32', ...formatFlagHelp(benchFlags(backends))].join('\n');
}

export interface BenchArgs {
  readonly plan: BenchPlan;
  readonly outDir: string;
  /** --force: outDir may already hold results. */
  readonly force: boolean;
  readonly help: boolean;
}

export function parseBenchArgs(argv: readonly string[], backends: readonly BenchBackendEntry[]): BenchArgs {
  const help = wantsHelp(argv);
  const { values } = parseFlags(help ? [] : argv, benchFlags(backends));
  const defaults = values.quick ? QUICK_MEASURE : DEFAULT_MEASURE;
  const Ls = values.L ?? (values.quick ? QUICK_LS : DEFAULT_LS);
  const names = [...new Set([...(values.backends ?? backends.filter((b) => b.optIn === undefined).map((b) => b.name)), ...(values.peers ?? [])])];
  const plan: BenchPlan = {
    backends: names.map((n) => backends.find((b) => b.name === n) as BenchBackendEntry),
    variants: values.variants ?? VARIANTS,
    Ls: [...new Set(Ls)].sort((a, b) => a - b),
    phases: values.phases ?? PHASES,
    size: DEFAULT_SIZE,
    seed: values.seed,
    measure: {
      warmup: values.warmup ?? defaults.warmup,
      repeats: values.repeats ?? defaults.repeats,
      minTimeMs: values['min-time'] ?? defaults.minTimeMs,
      warmupMinMs: values['warmup-ms'] ?? defaults.warmupMinMs,
    },
    repeatsFromUser: values.repeats !== undefined || values.quick,
    noCap: values['no-cap'],
    isolate: !values['in-process'],
    check: !values['no-check'],
    hugetlb: values.hugetlb ?? 'off',
  };
  return { plan, outDir: values.out === undefined ? freshRunDir() : resolve(callerDir(), values.out), force: values.force, help };
}
