import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@mta/device-cpu/register';
import {
  CheckpointError, loadCheckpoint, readSafetensors, runTraining, saveCheckpoint, silentStream,
  type TrainCheckpoint,
} from '../src/index';

/**
 * Issue 13 item 12: a JSON checkpoint saved NaN as null and loaded it as 0; "abc" and step -5 were accepted;
 * a wrong-shape parameter gave a misleading message. Checkpoints are now safetensors (binary, NaN and Inf
 * survive) and every field is validated on load with a CheckpointError naming it.
 */
const root = mkdtempSync(join(tmpdir(), 'mta-checkpoint-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let saved: TrainCheckpoint;
beforeAll(async () => {
  const report = await runTraining({
    model: 'baseline', task: { blockSize: 2, numBlocks: 2, numQueries: 2, alphabetSize: 6 }, layers: 1, width: 8, heads: 2, ffDim: 16,
    batchSize: 4, steps: 2, seed: 1, evalEvery: 0, valSize: 4, testSize: 4, checkpointEvery: 0, progressStream: silentStream, out: join(root, 'run'),
  });
  saved = loadCheckpoint(report.files.checkpoint);
});

const firstParameter = (c: TrainCheckpoint): string => Object.keys(c.parameters)[0]!;
function withParameter(c: TrainCheckpoint, change: (p: TrainCheckpoint['parameters'][string]) => object): TrainCheckpoint {
  const name = firstParameter(c);
  return { ...c, parameters: { ...c.parameters, [name]: { ...c.parameters[name]!, ...change(c.parameters[name]!) } } } as TrainCheckpoint;
}
function roundTrip(c: TrainCheckpoint, name: string): TrainCheckpoint {
  const file = join(root, `${name}.safetensors`);
  saveCheckpoint(file, c);
  return loadCheckpoint(file);
}
function loadJson(c: unknown, name: string): TrainCheckpoint {
  const file = join(root, `${name}.json`);
  writeFileSync(file, JSON.stringify(c));
  return loadCheckpoint(file);
}

describe('checkpoints', () => {
  it('keep NaN and +-Inf in parameters and moments (JSON turned them into null, then 0)', () => {
    const c = withParameter(saved, (p) => ({ values: p.values.map((v, i) => [NaN, Infinity, -Infinity][i] ?? v) }));
    const m = c.optimizer.m.map((row, i) => (i === 0 ? row.map((v, j) => (j === 0 ? NaN : v)) : row));
    const back = roundTrip({ ...c, optimizer: { ...c.optimizer, m } }, 'nan');
    expect(back.parameters[firstParameter(c)]!.values.slice(0, 3)).toEqual([NaN, Infinity, -Infinity]);
    expect(back.optimizer.m[0]![0]).toBeNaN();
    expect(back.parameters).toEqual(c.parameters);
  });

  it('round-trip every value bit for bit, and are a safetensors file', () => {
    const file = join(root, 'plain.safetensors');
    saveCheckpoint(file, saved);
    expect(loadCheckpoint(file)).toEqual({ ...saved, version: 2 });
    const st = readSafetensors(readFileSync(file));
    expect(st.metadata.format).toBe('mta-toy-transformer-checkpoint');
    expect(st.tensors.get(`parameters/${firstParameter(saved)}`)!.shape).toEqual(saved.parameters[firstParameter(saved)]!.shape);
  });

  it('refuse a step that is not a whole count, naming it', () => {
    for (const step of [-5, 1.5, 'abc']) {
      expect(() => roundTrip({ ...saved, step } as unknown as TrainCheckpoint, 'step')).toThrow(CheckpointError);
      expect(() => roundTrip({ ...saved, step } as unknown as TrainCheckpoint, 'step')).toThrow(/step must be an integer >= 0/);
    }
  });

  it('refuse a parameter of the wrong shape, naming the parameter and both shapes', () => {
    const name = firstParameter(saved);
    const wrong = withParameter(saved, (p) => ({ shape: [p.values.length] }));
    expect(() => roundTrip(wrong, 'shape')).toThrow(new RegExp(`parameters\\.${name.replace(/\./g, '\\.')}\\.shape is \\[\\d+\\], but the baseline model its settings build has \\[`));
  });

  it('refuse invalid settings and unknown or missing parameters', () => {
    expect(() => roundTrip({ ...saved, settings: { ...saved.settings, lr: -1 } }, 'settings')).toThrow(/settings train: lr must be positive/);
    const { [firstParameter(saved)]: _dropped, ...rest } = saved.parameters;
    expect(() => loadJson({ ...saved, version: 1, parameters: rest }, 'missing')).toThrow(/parameters do not match .* missing \[/);
  });

  it('load a valid version 1 JSON checkpoint; refuse one holding null (a lost NaN) or a string, naming the element', () => {
    const legacy = { ...saved, version: 1 };
    expect(loadJson(legacy, 'v1').parameters).toEqual(saved.parameters);
    const name = firstParameter(saved);
    const withNull = withParameter(legacy as TrainCheckpoint, (p) => ({ values: [null, ...p.values.slice(1)] }));
    expect(() => loadJson(withNull, 'null')).toThrow(new RegExp(`parameters\\.${name.replace(/\./g, '\\.')}\\.values\\[0\\] is null: the JSON format wrote NaN`));
    const withString = withParameter(legacy as TrainCheckpoint, (p) => ({ values: [...p.values.slice(0, 2), 'abc', ...p.values.slice(3)] }));
    expect(() => loadJson(withString, 'abc')).toThrow(/values\[2\] is "abc", not a number/);
    expect(() => loadJson({ ...legacy, optimizer: { ...saved.optimizer, t: -1 } }, 't')).toThrow(CheckpointError);
  });

  it('refuse a file that is neither, saying so', () => {
    const file = join(root, 'garbage.safetensors');
    writeFileSync(file, new Uint8Array([1, 2, 3]));
    expect(() => loadCheckpoint(file)).toThrow(/is not a valid safetensors checkpoint: .*too short/);
  });
});
