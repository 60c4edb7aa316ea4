/** Command line of `pnpm bench`: flags to a `BenchPlan` plus the output directory. */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { MeasureSettings } from './cell';
import { DEFAULT_SIZE } from './problem';
import type { BenchPlan } from './runner';
import { PHASES, VARIANTS, type BenchBackendEntry, type Phase, type Variant } from './types';

export const DEFAULT_LS: readonly number[] = [128, 256, 512, 1024, 2048];
const QUICK_LS: readonly number[] = [64, 128];
const DEFAULT_MEASURE: MeasureSettings = { warmup: 2, repeats: 5, minTimeMs: 1000 };
const QUICK_MEASURE: MeasureSettings = { warmup: 1, repeats: 3, minTimeMs: 0 };
/** The repository root's bench/ directory. */
export const DEFAULT_OUT_DIR = fileURLToPath(new URL('../../../bench/', import.meta.url));

export function usage(backends: readonly BenchBackendEntry[]): string {
  return [
    'pnpm bench [flags]   post-softmax MTA, B=2, Cin=Cout=4, K=3, padding 1, float32',
    '  --L 512,1024          sequence lengths (default 128,256,512,1024,2048)',
    '  --quick               CI size: L 64,128, 1 warm-up, 3 runs (flags given explicitly win)',
    `  --variants a,b        ${VARIANTS.join(',')} (default both)`,
    `  --backends a,b        ${backends.map((b) => b.name).join(',')} (default all)`,
    `  --phases a,b          ${PHASES.join(',')} (default both)`,
    '  --warmup N --repeats N --min-time MS   timing (default 2, 5, 1000: runs continue until MS total)',
    '  --no-cap              also run slow peers beyond their default largest L',
    '  --in-process          run every cell in this process (default: one fresh process per cell)',
    '  --no-check            skip the cross-check of results between backends',
    '  --seed N              input seed (default 1)',
    `  --out DIR             where results.json and the SVG charts go (default ${DEFAULT_OUT_DIR})`,
  ].join('\n');
}

export interface BenchArgs {
  readonly plan: BenchPlan;
  readonly outDir: string;
  readonly help: boolean;
}

function list<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[], fallback: readonly T[]): T[] {
  if (raw === undefined) return [...fallback];
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new Error(`--${flag}: unknown value '${item}'; expected a comma-separated list of ${allowed.join(', ')}.`);
    }
  }
  if (items.length === 0) throw new Error(`--${flag}: empty list; expected some of ${allowed.join(', ')}.`);
  return items as T[];
}

function integer(flag: string, raw: string | undefined, min: number, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${flag} ${raw}: expected an integer >= ${min}.`);
  return value;
}

export function parseBenchArgs(argv: readonly string[], backends: readonly BenchBackendEntry[]): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      L: { type: 'string' },
      quick: { type: 'boolean', default: false },
      variants: { type: 'string' },
      backends: { type: 'string' },
      phases: { type: 'string' },
      warmup: { type: 'string' },
      repeats: { type: 'string' },
      'min-time': { type: 'string' },
      'no-cap': { type: 'boolean', default: false },
      'in-process': { type: 'boolean', default: false },
      'no-check': { type: 'boolean', default: false },
      seed: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const defaults = values.quick ? QUICK_MEASURE : DEFAULT_MEASURE;
  const Ls =
    values.L === undefined
      ? [...(values.quick ? QUICK_LS : DEFAULT_LS)]
      : values.L.split(',').map((s) => integer('L', s.trim(), 1, 0));
  const names = list('backends', values.backends, backends.map((b) => b.name), backends.map((b) => b.name));
  const plan: BenchPlan = {
    backends: names.map((n) => backends.find((b) => b.name === n) as BenchBackendEntry),
    variants: list<Variant>('variants', values.variants, VARIANTS, VARIANTS),
    Ls: [...new Set(Ls)].sort((a, b) => a - b),
    phases: list<Phase>('phases', values.phases, PHASES, PHASES),
    size: DEFAULT_SIZE,
    seed: integer('seed', values.seed, 0, 1),
    measure: {
      warmup: integer('warmup', values.warmup, 0, defaults.warmup),
      repeats: integer('repeats', values.repeats, 1, defaults.repeats),
      minTimeMs: integer('min-time', values['min-time'], 0, defaults.minTimeMs),
    },
    repeatsFromUser: values.repeats !== undefined || values.quick,
    noCap: values['no-cap'],
    isolate: !values['in-process'],
    check: !values['no-check'],
  };
  return { plan, outDir: values.out ?? DEFAULT_OUT_DIR, help: values.help };
}
