import type { nn } from '@mta/core';
import { DEFAULT_SETTINGS, type TrainOptionsInput } from './options';
import { DEFAULT_TASK, type TaskConfig } from './task';

/**
 * `pnpm mta train` arguments. Every size is a flag; `--flag value` and `--flag=value` both work.
 * Unknown flags and malformed values are errors that name the flag and show what was expected.
 */
export interface ParsedTrainArgs extends TrainOptionsInput {
  /** --help was given: print trainUsage() instead of training. */
  readonly help?: boolean;
}

type Setter = (value: string, out: Record<string, unknown>, task: Partial<Record<keyof TaskConfig, number>>) => void;

const int = (flag: string, min = 0) => (v: string): number => {
  const n = Number(v);
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) throw new Error(`${flag}: expected an integer >= ${min}, got '${v}'`);
  return n;
};
const num = (flag: string) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`${flag}: expected a number, got '${v}'`);
  return n;
};
const oneOf = <T extends string>(flag: string, choices: readonly T[]) => (v: string): T => {
  if (!(choices as readonly string[]).includes(v)) throw new Error(`${flag}: expected one of ${choices.join(', ')}, got '${v}'`);
  return v as T;
};

const FLAGS: Record<string, { set: Setter; help: string }> = {
  '--model': { set: (v, o) => { o.model = oneOf('--model', ['baseline', 'mta'] as const)(v); }, help: 'baseline|mta (required)' },
  '--device': { set: (v, o) => { o.device = oneOf('--device', ['cpu', 'npu'] as const)(v); }, help: `cpu|npu (default ${DEFAULT_SETTINGS.device})` },
  '--steps': { set: (v, o) => { o.steps = int('--steps', 1)(v); }, help: `optimizer steps (default ${DEFAULT_SETTINGS.steps})` },
  '--seed': { set: (v, o) => { o.seed = int('--seed')(v); }, help: `initialisation and training-data seed (default ${DEFAULT_SETTINGS.seed})` },
  '--out': { set: (v, o) => { o.out = v; }, help: 'output directory (default runs/train/<model>-seed<seed>)' },
  '--resume': { set: (v, o) => { o.resume = v; }, help: 'checkpoint.json to continue from (may raise --steps)' },
  '--stop-at': { set: (v, o) => { o.stopAt = int('--stop-at', 1)(v); }, help: 'stop after this step (the schedule still runs to --steps); continue later with --resume' },
  '--block-size': { set: (v, _o, t) => { t.blockSize = int('--block-size', 1)(v); }, help: `N, letters per block (default ${DEFAULT_TASK.blockSize})` },
  '--blocks': { set: (v, _o, t) => { t.numBlocks = int('--blocks', 1)(v); }, help: `K, blocks per sequence (default ${DEFAULT_TASK.numBlocks})` },
  '--queries': { set: (v, _o, t) => { t.numQueries = int('--queries', 1)(v); }, help: `Q, query letters (default ${DEFAULT_TASK.numQueries})` },
  '--alphabet': { set: (v, _o, t) => { t.alphabetSize = int('--alphabet', 2)(v); }, help: `letters to draw from, <= 26 (default ${DEFAULT_TASK.alphabetSize})` },
  '--layers': { set: (v, o) => { o.layers = int('--layers', 1)(v); }, help: `decoder blocks (default ${DEFAULT_SETTINGS.layers})` },
  '--width': { set: (v, o) => { o.width = int('--width', 1)(v); }, help: `model width (default ${DEFAULT_SETTINGS.width})` },
  '--heads': { set: (v, o) => { o.heads = int('--heads', 1)(v); }, help: `attention heads (default ${DEFAULT_SETTINGS.heads})` },
  '--ff': { set: (v, o) => { o.ffDim = int('--ff', 1)(v); }, help: `MLP hidden width (default ${DEFAULT_SETTINGS.ffDim})` },
  '--activation': { set: (v, o) => { o.activation = oneOf<nn.Activation>('--activation', ['relu', 'gelu'])(v); }, help: `relu|gelu (default ${DEFAULT_SETTINGS.activation})` },
  '--dropout': { set: (v, o) => { o.dropout = num('--dropout')(v); }, help: `dropout probability (default ${DEFAULT_SETTINGS.dropout})` },
  '--mta-mode': { set: (v, o) => { o.mtaMode = oneOf('--mta-mode', ['pre', 'post'] as const)(v); }, help: `pre|post softmax convolution (default ${DEFAULT_SETTINGS.mtaMode})` },
  '--mta-kernel': { set: (v, o) => { o.mtaKernel = parseKernel(v); }, help: 'QUERIESxKEYS, e.g. 2x5 (default 2x(2N-1))' },
  '--mta-layers': { set: (v, o) => { o.mtaLayers = v === 'all' ? 'all' : v.split(',').map((s) => int('--mta-layers')(s.trim())); }, help: "'all' or comma-separated layer indices (default all)" },
  '--batch': { set: (v, o) => { o.batchSize = int('--batch', 1)(v); }, help: `sequences per step (default ${DEFAULT_SETTINGS.batchSize})` },
  '--lr': { set: (v, o) => { o.lr = num('--lr')(v); }, help: `peak Adam learning rate (default ${DEFAULT_SETTINGS.lr})` },
  '--warmup': { set: (v, o) => { o.warmupSteps = int('--warmup')(v); }, help: `linear warmup steps (default ${DEFAULT_SETTINGS.warmupSteps})` },
  '--min-lr-ratio': { set: (v, o) => { o.minLrRatio = num('--min-lr-ratio')(v); }, help: `final lr / peak lr of the cosine decay (default ${DEFAULT_SETTINGS.minLrRatio})` },
  '--clip': { set: (v, o) => { o.gradClip = num('--clip')(v); }, help: `global gradient norm clip, 0 = off (default ${DEFAULT_SETTINGS.gradClip})` },
  '--eval-every': { set: (v, o) => { o.evalEvery = int('--eval-every')(v); }, help: `validation every N steps, 0 = only at the end (default ${DEFAULT_SETTINGS.evalEvery})` },
  '--val-size': { set: (v, o) => { o.valSize = int('--val-size')(v); }, help: `validation examples (default ${DEFAULT_SETTINGS.valSize})` },
  '--test-size': { set: (v, o) => { o.testSize = int('--test-size', 1)(v); }, help: `test examples (default ${DEFAULT_SETTINGS.testSize})` },
  '--data-seed': { set: (v, o) => { o.dataSeed = int('--data-seed')(v); }, help: `seed of the validation and test sets (default ${DEFAULT_SETTINGS.dataSeed})` },
  '--checkpoint-every': { set: (v, o) => { o.checkpointEvery = int('--checkpoint-every')(v); }, help: `checkpoint every N steps, 0 = only at the end (default ${DEFAULT_SETTINGS.checkpointEvery})` },
  '--log-every': { set: (v, o) => { o.logEvery = int('--log-every', 1)(v); }, help: `learning-curve point every N steps (default ${DEFAULT_SETTINGS.logEvery})` },
};

function parseKernel(v: string): readonly [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(v);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new Error(`--mta-kernel: expected QUERIESxKEYS such as 2x5, got '${v}'`);
  return [Number(m[1]), Number(m[2])];
}

/** Parses `train` arguments (without the leading `train`). */
export function parseTrainArgs(argv: readonly string[]): ParsedTrainArgs {
  const out: Record<string, unknown> = {};
  const task: Partial<Record<keyof TaskConfig, number>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { help: true };
    if (arg === '--no-progress') { out.progress = false; continue; }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = FLAGS[flag];
    if (!spec) throw new Error(`train: unknown argument '${arg}'; run with --help for the flags`);
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new Error(`${flag}: missing value (${spec.help})`);
      i++;
    }
    spec.set(value, out, task);
  }
  if (Object.keys(task).length) out.task = task;
  return out as ParsedTrainArgs;
}

export function trainUsage(): string {
  const width = Math.max(...Object.keys(FLAGS).map((f) => f.length)) + 8;
  const lines = Object.entries(FLAGS).map(([flag, { help }]) => `  ${`${flag} <v>`.padEnd(width)}${help}`);
  return ['Usage: pnpm mta train --model baseline|mta [options]', '',
    'Trains a small transformer on the Multi-Token Attention toy task (find the block holding all query letters).', '',
    ...lines, `  ${'--no-progress'.padEnd(width)}no progress bar (evaluations and the result still print)`, `  ${'--help'.padEnd(width)}this text`].join('\n');
}
