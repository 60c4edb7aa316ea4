import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Rng, SafetensorsError, readSafetensors, writeSafetensors, type DeviceLike, type nn } from '@mta/core';
import { CheckpointError } from './checkpoint-error';
import type { History } from './curves';
import { ToyTransformer } from './model';
import { modelConfigOf, resolveSettings, type TrainSettings } from './options';

export { CheckpointError } from './checkpoint-error';

/**
 * A training checkpoint: the settings (which rebuild the model), the step, parameter values by name, Adam's
 * moments and step count, and the learning curves so far. On disk (version 2) it is one safetensors file:
 * the parameters and moments as float32 tensors (binary: NaN and Inf survive, and a resumed run continues
 * bit for bit), everything else as JSON in the header's metadata. One file, written then renamed, so an
 * interrupted save never leaves a half-written checkpoint. Version 1 (all JSON) still loads when it is
 * valid; one holding `null` (how JSON wrote NaN and Inf) is refused, since the value is lost.
 */
export const CHECKPOINT_FORMAT = 'mta-toy-transformer-checkpoint';
export const CHECKPOINT_FILE = 'checkpoint.safetensors';

export interface TrainCheckpoint {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: 1 | 2;
  readonly settings: TrainSettings;
  /** Optimizer steps done. */
  readonly step: number;
  /** Training seconds spent so far (across resumes). */
  readonly trainSeconds: number;
  readonly parameters: ReturnType<nn.Module['state']>;
  readonly optimizer: { t: number; m: number[][]; v: number[][] };
  readonly history: History;
}

/** What the header's metadata holds besides the format (the tensors hold the rest). */
interface CheckpointMeta {
  readonly settings: TrainSettings;
  readonly step: number;
  readonly trainSeconds: number;
  readonly optimizerStep: number;
  readonly history: History;
  /** Parameter names in model order, with their dtype. */
  readonly parameters: ReadonlyArray<{ readonly name: string; readonly dtype: string }>;
}

export function saveCheckpoint(file: string, checkpoint: TrainCheckpoint): void {
  mkdirSync(dirname(file), { recursive: true });
  const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  const names = Object.keys(checkpoint.parameters);
  names.forEach((name, i) => {
    const p = checkpoint.parameters[name]!;
    tensors.set(`parameters/${name}`, { shape: p.shape, data: Float32Array.from(p.values) });
    for (const [which, moments] of [['m', checkpoint.optimizer.m], ['v', checkpoint.optimizer.v]] as const) {
      const values = moments[i] ?? [];
      if (values.length) tensors.set(`optimizer.${which}/${i}`, { shape: p.shape, data: Float32Array.from(values) });
    }
  });
  const meta: CheckpointMeta = {
    settings: checkpoint.settings, step: checkpoint.step, trainSeconds: checkpoint.trainSeconds, optimizerStep: checkpoint.optimizer.t,
    history: checkpoint.history, parameters: names.map((name) => ({ name, dtype: checkpoint.parameters[name]!.dtype })),
  };
  const bytes = writeSafetensors(tensors, { format: CHECKPOINT_FORMAT, version: '2', meta: JSON.stringify(meta) });
  // Write then rename: an interrupted save never leaves a truncated checkpoint behind.
  const partial = `${file}.partial`;
  writeFileSync(partial, bytes);
  renameSync(partial, file);
}

export function loadCheckpoint(file: string): TrainCheckpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new CheckpointError(file, 'file', `cannot read it: ${(e as Error).message}`);
  }
  // A version 1 checkpoint is a JSON object; a safetensors file starts with its binary header length.
  const checkpoint = firstNonSpace(bytes) === 0x7b ? fromJson(file, bytes) : fromSafetensors(file, bytes);
  validateCheckpoint(file, checkpoint);
  return checkpoint;
}

function firstNonSpace(bytes: Uint8Array): number | undefined {
  for (const b of bytes) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
  return undefined;
}

function fromSafetensors(file: string, bytes: Uint8Array): TrainCheckpoint {
  let st: ReturnType<typeof readSafetensors>;
  try {
    st = readSafetensors(bytes, `checkpoint '${file}'`);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(file, 'file', `is not a valid safetensors checkpoint: ${e.message}`);
    throw e;
  }
  if (st.metadata.format !== CHECKPOINT_FORMAT || st.metadata.version !== '2') {
    throw new CheckpointError(file, 'format', `expected a version 2 ${CHECKPOINT_FORMAT}, found format ${JSON.stringify(st.metadata.format)} ` +
      `version ${JSON.stringify(st.metadata.version)}`);
  }
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(st.metadata.meta ?? '') as CheckpointMeta;
  } catch (e) {
    throw new CheckpointError(file, 'meta', `the header's metadata is not JSON (${(e as Error).message})`);
  }
  if (typeof meta !== 'object' || meta === null || !Array.isArray(meta.parameters)) {
    throw new CheckpointError(file, 'meta', 'the metadata lacks its parameter list');
  }
  const used = new Set<string>();
  const take = (name: string): { shape: readonly number[]; values: number[] } | undefined => {
    const t = st.tensors.get(name);
    if (!t) return undefined;
    used.add(name);
    if (!(t.data instanceof Float32Array)) throw new CheckpointError(file, name, 'is not float32');
    return { shape: t.shape, values: Array.from(t.data) };
  };
  const parameters: Record<string, { shape: number[]; dtype: string; values: number[] }> = {};
  const m: number[][] = [], v: number[][] = [];
  meta.parameters.forEach(({ name, dtype }, i) => {
    const p = take(`parameters/${name}`);
    if (!p) throw new CheckpointError(file, `parameters.${name}`, 'is listed in the metadata but has no tensor');
    parameters[name] = { shape: [...p.shape], dtype, values: p.values };
    m.push(take(`optimizer.m/${i}`)?.values ?? []);
    v.push(take(`optimizer.v/${i}`)?.values ?? []);
  });
  const extra = [...st.tensors.keys()].filter((k) => !used.has(k));
  if (extra.length) throw new CheckpointError(file, 'tensors', `holds tensors the metadata does not list: ${extra.join(', ')}`);
  return {
    format: CHECKPOINT_FORMAT, version: 2, settings: meta.settings, step: meta.step, trainSeconds: meta.trainSeconds,
    parameters, optimizer: { t: meta.optimizerStep, m, v }, history: meta.history,
  };
}

function fromJson(file: string, bytes: Uint8Array): TrainCheckpoint {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new CheckpointError(file, 'file', `is not JSON: ${(e as Error).message}`);
  }
  const c = parsed as Partial<TrainCheckpoint>;
  if (c.format !== CHECKPOINT_FORMAT || c.version !== 1) {
    throw new CheckpointError(file, 'format', `expected a version 1 ${CHECKPOINT_FORMAT} JSON file, found format ${JSON.stringify(c.format)} ` +
      `version ${JSON.stringify(c.version)}`);
  }
  return c as TrainCheckpoint;
}

/**
 * Everything a resume or an export relies on, checked once with the field named: numbers are numbers, the
 * step is a whole count, settings are valid, and every parameter and moment has the shape of the model the
 * settings build.
 */
function validateCheckpoint(file: string, c: TrainCheckpoint): void {
  const fail = (field: string, message: string): never => { throw new CheckpointError(file, field, message); };
  if (typeof c.settings !== 'object' || c.settings === null) fail('settings', 'is missing');
  let settings: TrainSettings;
  try {
    settings = resolveSettings(c.settings);
  } catch (e) {
    return fail('settings', (e as Error).message);
  }
  if (!Number.isSafeInteger(c.step) || c.step < 0) fail('step', `must be an integer >= 0, got ${JSON.stringify(c.step)}`);
  if (typeof c.trainSeconds !== 'number' || !(c.trainSeconds >= 0)) fail('trainSeconds', `must be a number >= 0, got ${JSON.stringify(c.trainSeconds)}`);
  if (typeof c.history !== 'object' || c.history === null || !Array.isArray(c.history.train) || !Array.isArray(c.history.eval)) {
    fail('history', 'must hold train and eval arrays');
  }
  if (typeof c.parameters !== 'object' || c.parameters === null) fail('parameters', 'is missing');
  const optimizer = c.optimizer as Partial<TrainCheckpoint['optimizer']> | undefined;
  if (!optimizer || !Number.isSafeInteger(optimizer.t) || optimizer.t! < 0 || !Array.isArray(optimizer.m) || !Array.isArray(optimizer.v)) {
    fail('optimizer', `must hold a step t >= 0 and arrays m and v, got t=${JSON.stringify(optimizer?.t)}`);
  }
  const numbers = (field: string, values: unknown, expected: number): void => {
    if (!Array.isArray(values)) return fail(field, 'is not an array of numbers');
    if (values.length !== expected) fail(field, `holds ${values.length} values where ${expected} belong`);
    const bad = values.findIndex((x) => typeof x !== 'number');
    if (bad >= 0) {
      fail(`${field}[${bad}]`, values[bad] === null
        ? 'is null: the JSON format wrote NaN and Infinity as null, so the value is lost; this checkpoint cannot be used'
        : `is ${JSON.stringify(values[bad])}, not a number`);
    }
  };
  // The model the settings build says which parameters, in which order and shape, the file must hold.
  const model = new ToyTransformer(modelConfigOf(settings), new Rng(settings.seed), { dropoutRandom: new Rng(0) });
  const own = model.namedParameters();
  const names = Object.keys(c.parameters);
  const missing = own.map(([n]) => n).filter((n) => !(n in c.parameters));
  const unexpected = names.filter((n) => !own.some(([o]) => o === n));
  if (missing.length || unexpected.length) {
    fail('parameters', `do not match the ${settings.model} model its settings build: missing [${missing.join(', ')}], unexpected [${unexpected.join(', ')}]`);
  }
  if (optimizer!.m!.length !== own.length || optimizer!.v!.length !== own.length) {
    fail('optimizer', `holds moments for ${optimizer!.m!.length} and ${optimizer!.v!.length} parameters; the model has ${own.length}`);
  }
  try {
    own.forEach(([name, p], i) => {
    const s = c.parameters[name]!;
    const shape = JSON.stringify(s.shape);
    if (!Array.isArray(s.shape) || shape !== JSON.stringify(p.shape)) {
      fail(`parameters.${name}.shape`, `is ${shape}, but the ${settings.model} model its settings build has [${p.shape.join(',')}] ` +
        '(was the checkpoint edited, or saved by another model?)');
    }
    numbers(`parameters.${name}.values`, s.values, p.size);
    for (const [which, moments] of [['m', optimizer!.m!], ['v', optimizer!.v!]] as const) {
      const values = moments[i];
      if (Array.isArray(values) && values.length === 0) continue; // a parameter Adam has not stepped yet
      numbers(`optimizer.${which}[${i}]`, values, p.size);
    }
    });
  } finally {
    for (const [, p] of own) p.dispose(); // the reference model was only built for its names and shapes
  }
}

/** The trained model of a checkpoint, in eval mode (for export and inference). */
export function modelFromCheckpoint(checkpoint: TrainCheckpoint, device: DeviceLike = 'cpu'): ToyTransformer {
  // Dropout never fires in eval mode; the source only satisfies the constructor.
  const model = new ToyTransformer(modelConfigOf(checkpoint.settings), new Rng(checkpoint.settings.seed), { device, dropoutRandom: new Rng(0) });
  model.load(checkpoint.parameters);
  return model.eval();
}
