import type { nn } from '@mta/core';
import { DEFAULT_TASK, layout, validateTask, vocabulary, type TaskConfig } from './task';
import { validateModelConfig, type ModelConfig, type ModelKind } from './model';

/**
 * Every knob of a training run, with defaults sized so that one run finishes in about ten minutes on two
 * cores (see the report in the README). Resolved settings are plain JSON: checkpoints store them.
 */
export interface TrainSettings {
  readonly model: ModelKind;
  readonly device: string;
  readonly steps: number;
  readonly seed: number;
  /** Output directory: checkpoint.safetensors, log.json, curves.svg, report.json. */
  readonly out: string;
  readonly task: TaskConfig;
  readonly layers: number;
  readonly width: number;
  readonly heads: number;
  readonly ffDim: number;
  readonly activation: nn.Activation;
  readonly dropout: number;
  readonly mtaMode: 'pre' | 'post';
  /** [queries, keys]; default [2, 2N - 1]. */
  readonly mtaKernel: readonly [number, number];
  readonly mtaLayers: readonly number[];
  readonly batchSize: number;
  readonly lr: number;
  readonly warmupSteps: number;
  /** The learning rate decays (cosine) from lr to lr * minLrRatio at the last step. */
  readonly minLrRatio: number;
  /** Global gradient norm clip; 0 turns it off. */
  readonly gradClip: number;
  readonly evalEvery: number;
  readonly valSize: number;
  readonly testSize: number;
  /** Seeds the validation and test sets (shared by every model and training seed). */
  readonly dataSeed: number;
  readonly checkpointEvery: number;
  readonly logEvery: number;
}

export type TrainOptionsInput = Partial<Omit<TrainSettings, 'task' | 'mtaKernel' | 'mtaLayers'>> & {
  readonly task?: Partial<TaskConfig>;
  readonly mtaKernel?: readonly [number, number];
  readonly mtaLayers?: readonly number[] | 'all';
  /** Checkpoint to resume from. */
  readonly resume?: string;
  /**
   * Stop after this step (checkpoint, evaluation and files as at the end) without changing the schedule,
   * which still runs to `steps`: a time-boxed run that a later --resume continues exactly.
   */
  readonly stopAt?: number;
  /** Show the progress bar (default true); evaluations and the final result are printed either way. */
  readonly progress?: boolean;
};

export const DEFAULT_SETTINGS = {
  device: 'cpu',
  steps: 2000,
  seed: 1,
  layers: 2,
  width: 64,
  heads: 2,
  ffDim: 128,
  // relu rather than gelu: a single elementwise op, which is a measurable share of a step at this size.
  activation: 'relu',
  dropout: 0,
  mtaMode: 'pre',
  batchSize: 16,
  lr: 3e-3,
  warmupSteps: 100,
  minLrRatio: 0.1,
  gradClip: 1,
  evalEvery: 250,
  valSize: 500,
  testSize: 2000,
  dataSeed: 2025,
  checkpointEvery: 500,
  logEvery: 10,
} as const satisfies Partial<TrainSettings>;

/** Settings that may differ when a run resumes from a checkpoint; all others must match it. */
export const RESUMABLE_OVERRIDES = ['steps', 'out', 'device', 'evalEvery', 'checkpointEvery', 'logEvery'] as const;

export function resolveSettings(input: TrainOptionsInput): TrainSettings {
  if (input.model === undefined) throw new Error("train: the model is required: pass --model baseline or --model mta");
  const task: TaskConfig = { ...DEFAULT_TASK, ...input.task };
  validateTask(task);
  const layers = input.layers ?? DEFAULT_SETTINGS.layers;
  const mtaLayers = input.mtaLayers === undefined || input.mtaLayers === 'all'
    ? Array.from({ length: layers }, (_, i) => i) : [...input.mtaLayers];
  const settings: TrainSettings = {
    ...DEFAULT_SETTINGS,
    ...stripUndefined(input),
    task,
    layers,
    mtaKernel: input.mtaKernel ?? [2, 2 * task.blockSize - 1],
    mtaLayers,
    model: input.model,
    out: input.out ?? `runs/train/${input.model}-seed${input.seed ?? DEFAULT_SETTINGS.seed}`,
  };
  validateSettings(settings);
  if (input.stopAt !== undefined && (!Number.isInteger(input.stopAt) || input.stopAt < 1)) {
    throw new Error(`train: stopAt must be a positive integer step, got ${input.stopAt}`);
  }
  return settings;
}

function stripUndefined(input: TrainOptionsInput): Partial<TrainSettings> {
  const { task: _t, mtaKernel: _k, mtaLayers: _l, resume: _r, progress: _p, stopAt: _s, ...rest } = input;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Partial<TrainSettings>;
}

function validateSettings(s: TrainSettings): void {
  const intAtLeast = (what: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`train: ${what} must be an integer >= ${min}, got ${v}`);
  };
  intAtLeast('steps', s.steps, 1); intAtLeast('seed', s.seed, 0); intAtLeast('batchSize', s.batchSize, 1);
  intAtLeast('warmupSteps', s.warmupSteps, 0); intAtLeast('evalEvery', s.evalEvery, 0);
  intAtLeast('valSize', s.valSize, 0); intAtLeast('testSize', s.testSize, 1); intAtLeast('dataSeed', s.dataSeed, 0);
  intAtLeast('checkpointEvery', s.checkpointEvery, 0); intAtLeast('logEvery', s.logEvery, 1);
  if (!(s.lr > 0)) throw new Error(`train: lr must be positive, got ${s.lr}`);
  if (!(s.minLrRatio >= 0 && s.minLrRatio <= 1)) throw new Error(`train: minLrRatio must be in [0, 1], got ${s.minLrRatio}`);
  if (!(s.gradClip >= 0)) throw new Error(`train: gradClip must be >= 0 (0 turns it off), got ${s.gradClip}`);
  if (!(s.dropout >= 0 && s.dropout < 1)) throw new Error(`train: dropout must be in [0, 1), got ${s.dropout}`);
  validateModelConfig(modelConfigOf(s));
}

export function modelConfigOf(s: TrainSettings): ModelConfig {
  return {
    kind: s.model,
    vocabSize: vocabulary(s.task).size,
    maxLength: layout(s.task).inputLength,
    width: s.width,
    heads: s.heads,
    layers: s.layers,
    ffDim: s.ffDim,
    activation: s.activation,
    dropout: s.dropout,
    mta: { mode: s.mtaMode, kernel: s.mtaKernel, layers: s.mtaLayers },
  };
}

/** Warmup, then cosine decay to lr * minLrRatio. `step` counts from 0. */
export function learningRateAt(s: TrainSettings, step: number): number {
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  const span = Math.max(1, s.steps - s.warmupSteps);
  const progress = Math.min(1, (step - s.warmupSteps) / span);
  return s.lr * (s.minLrRatio + (1 - s.minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
