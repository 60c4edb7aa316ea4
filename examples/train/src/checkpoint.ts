import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Rng, type DeviceLike, type nn } from '@mta/core';
import type { History } from './curves';
import { ToyTransformer } from './model';
import { modelConfigOf, type TrainSettings } from './options';

/**
 * A training checkpoint as one JSON file: the settings (which rebuild the model), the step, parameter
 * values by name, Adam's moments and step count, and the learning curves so far. Values are float32
 * numbers printed in their shortest round-trip form, so a resumed run continues bit for bit.
 */
export const CHECKPOINT_FORMAT = 'mta-toy-transformer-checkpoint';

export interface TrainCheckpoint {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: 1;
  readonly settings: TrainSettings;
  /** Optimizer steps done. */
  readonly step: number;
  /** Training seconds spent so far (across resumes). */
  readonly trainSeconds: number;
  readonly parameters: ReturnType<nn.Module['state']>;
  readonly optimizer: { t: number; m: number[][]; v: number[][] };
  readonly history: History;
}

export function saveCheckpoint(file: string, checkpoint: TrainCheckpoint): void {
  mkdirSync(dirname(file), { recursive: true });
  // Write then rename: an interrupted save never leaves a truncated checkpoint behind.
  const partial = `${file}.partial`;
  writeFileSync(partial, JSON.stringify(checkpoint));
  renameSync(partial, file);
}

export function loadCheckpoint(file: string): TrainCheckpoint {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`checkpoint: cannot read '${file}': ${(e as Error).message}`);
  }
  const c = parsed as Partial<TrainCheckpoint>;
  if (c.format !== CHECKPOINT_FORMAT || c.version !== 1) {
    throw new Error(`checkpoint: '${file}' is not a version 1 ${CHECKPOINT_FORMAT} (format ${JSON.stringify(c.format)}, version ${JSON.stringify(c.version)})`);
  }
  if (!c.settings || !c.parameters || !c.optimizer || !c.history || !Number.isInteger(c.step)) {
    throw new Error(`checkpoint: '${file}' lacks settings, parameters, optimizer, history or step`);
  }
  return c as TrainCheckpoint;
}

/** The trained model of a checkpoint, in eval mode (for export and inference). */
export function modelFromCheckpoint(checkpoint: TrainCheckpoint, device: DeviceLike = 'cpu'): ToyTransformer {
  // Dropout never fires in eval mode; the source only satisfies the constructor.
  const model = new ToyTransformer(modelConfigOf(checkpoint.settings), new Rng(checkpoint.settings.seed), { device, dropoutRandom: new Rng(0) });
  model.load(checkpoint.parameters);
  return model.eval();
}
