import { decimal, formatFlagHelp, integer, listOf, oneOf, parseFlags, text, wantsHelp, type FlagSpec, type ValueType } from '@mta/args';
import type { nn } from '@mta/core';
import { DEFAULT_SETTINGS, type TrainOptionsInput } from './options';
import { DEFAULT_TASK, type TaskConfig } from './task';

/**
 * `pnpm mta train` arguments, read by the examples' one parser (@mta/args). Every size is a flag;
 * `--flag value` and `--flag=value` both work. Unknown flags and malformed values are errors that name
 * the flag and show what was expected.
 */
export interface ParsedTrainArgs extends TrainOptionsInput {
  /** --help was given: print trainUsage() instead of training. */
  readonly help?: boolean;
}

type TaskSize = keyof TaskConfig;
/** A flag, and the option it sets: a TrainOptionsInput key, or `task.<key>` for the task's sizes. */
type TrainFlag = FlagSpec & { readonly to: keyof TrainOptionsInput | `task.${TaskSize}` };

const kernel: ValueType<readonly [number, number]> = {
  expected: 'QUERIESxKEYS such as 2x5',
  parse(raw) {
    const m = /^(\d+)x(\d+)$/.exec(raw);
    return m && Number(m[1]) >= 1 && Number(m[2]) >= 1 ? [Number(m[1]), Number(m[2])] : undefined;
  },
};
const layerIndices = listOf(integer());
const mtaLayers: ValueType<readonly number[] | 'all'> = {
  expected: "'all' or comma-separated layer indices",
  parse: (raw) => (raw === 'all' ? 'all' : layerIndices.parse(raw)),
};

const FLAGS = {
  model: { to: 'model', value: oneOf(['baseline', 'mta']), help: 'baseline|mta (required)' },
  device: { to: 'device', value: oneOf(['cpu', 'npu', 'webgpu']), help: `cpu|npu|webgpu (default ${DEFAULT_SETTINGS.device})` },
  steps: { to: 'steps', value: integer({ min: 1 }), help: `optimizer steps (default ${DEFAULT_SETTINGS.steps})` },
  seed: { to: 'seed', value: integer(), help: `initialisation and training-data seed (default ${DEFAULT_SETTINGS.seed})` },
  out: { to: 'out', value: text('a directory'), help: 'output directory (default runs/train/<model>-seed<seed>)' },
  resume: { to: 'resume', value: text('a checkpoint path'), help: 'checkpoint.safetensors (or a version 1 checkpoint.json) to continue from (may raise --steps)' },
  'stop-at': { to: 'stopAt', value: integer({ min: 1 }), help: 'stop after this step (the schedule still runs to --steps); continue later with --resume' },
  'block-size': { to: 'task.blockSize', value: integer({ min: 1 }), help: `N, letters per block (default ${DEFAULT_TASK.blockSize})` },
  blocks: { to: 'task.numBlocks', value: integer({ min: 1 }), help: `K, blocks per sequence (default ${DEFAULT_TASK.numBlocks})` },
  queries: { to: 'task.numQueries', value: integer({ min: 1 }), help: `Q, query letters (default ${DEFAULT_TASK.numQueries})` },
  alphabet: { to: 'task.alphabetSize', value: integer({ min: 2 }), help: `letters to draw from, <= 26 (default ${DEFAULT_TASK.alphabetSize})` },
  layers: { to: 'layers', value: integer({ min: 1 }), help: `decoder blocks (default ${DEFAULT_SETTINGS.layers})` },
  width: { to: 'width', value: integer({ min: 1 }), help: `model width (default ${DEFAULT_SETTINGS.width})` },
  heads: { to: 'heads', value: integer({ min: 1 }), help: `attention heads (default ${DEFAULT_SETTINGS.heads})` },
  ff: { to: 'ffDim', value: integer({ min: 1 }), help: `MLP hidden width (default ${DEFAULT_SETTINGS.ffDim})` },
  activation: { to: 'activation', value: oneOf<nn.Activation>(['relu', 'gelu']), help: `relu|gelu (default ${DEFAULT_SETTINGS.activation})` },
  dropout: { to: 'dropout', value: decimal(), help: `dropout probability (default ${DEFAULT_SETTINGS.dropout})` },
  'mta-mode': { to: 'mtaMode', value: oneOf(['pre', 'post']), help: `pre|post softmax convolution (default ${DEFAULT_SETTINGS.mtaMode})` },
  'mta-kernel': { to: 'mtaKernel', value: kernel, help: 'QUERIESxKEYS, e.g. 2x5 (default 2x(2N-1))' },
  'mta-layers': { to: 'mtaLayers', value: mtaLayers, help: "'all' or comma-separated layer indices (default all)" },
  batch: { to: 'batchSize', value: integer({ min: 1 }), help: `sequences per step (default ${DEFAULT_SETTINGS.batchSize})` },
  lr: { to: 'lr', value: decimal(), help: `peak Adam learning rate (default ${DEFAULT_SETTINGS.lr})` },
  warmup: { to: 'warmupSteps', value: integer(), help: `linear warmup steps (default ${DEFAULT_SETTINGS.warmupSteps})` },
  'min-lr-ratio': { to: 'minLrRatio', value: decimal(), help: `final lr / peak lr of the cosine decay (default ${DEFAULT_SETTINGS.minLrRatio})` },
  clip: { to: 'gradClip', value: decimal(), help: `global gradient norm clip, 0 = off (default ${DEFAULT_SETTINGS.gradClip})` },
  'eval-every': { to: 'evalEvery', value: integer(), help: `validation every N steps, 0 = only at the end (default ${DEFAULT_SETTINGS.evalEvery})` },
  'val-size': { to: 'valSize', value: integer(), help: `validation examples (default ${DEFAULT_SETTINGS.valSize})` },
  'test-size': { to: 'testSize', value: integer({ min: 1 }), help: `test examples (default ${DEFAULT_SETTINGS.testSize})` },
  'data-seed': { to: 'dataSeed', value: integer(), help: `seed of the validation and test sets (default ${DEFAULT_SETTINGS.dataSeed})` },
  'checkpoint-every': { to: 'checkpointEvery', value: integer(), help: `checkpoint every N steps, 0 = only at the end (default ${DEFAULT_SETTINGS.checkpointEvery})` },
  'log-every': { to: 'logEvery', value: integer({ min: 1 }), help: `learning-curve point every N steps (default ${DEFAULT_SETTINGS.logEvery})` },
  'no-progress': { to: 'progress', switch: true, help: 'no progress bar (evaluations and the result still print)' },
} as const satisfies Record<string, TrainFlag>;

/** Parses `train` arguments (without the leading `train`); only the flags given appear in the result. */
export function parseTrainArgs(argv: readonly string[]): ParsedTrainArgs {
  if (wantsHelp(argv)) return { help: true };
  const { values } = parseFlags(argv, FLAGS);
  const out: Record<string, unknown> = {};
  const task: Partial<Record<TaskSize, number>> = {};
  for (const [flag, spec] of Object.entries(FLAGS) as [keyof typeof FLAGS, TrainFlag][]) {
    const value = values[flag];
    if (value === undefined || value === false) continue;
    // The one switch, --no-progress, turns the progress bar off.
    const option = 'switch' in spec ? false : value;
    if (spec.to.startsWith('task.')) task[spec.to.slice('task.'.length) as TaskSize] = option as number;
    else out[spec.to] = option;
  }
  if (Object.keys(task).length) out.task = task;
  return out as ParsedTrainArgs;
}

export function trainUsage(): string {
  return ['Usage: pnpm mta train --model baseline|mta [options]', '',
    'Trains a small transformer on the Multi-Token Attention toy task (find the block holding all query letters).', '',
    ...formatFlagHelp(FLAGS)].join('\n');
}
