import '@mta/ops-mta/register';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Rng, StateDictDTypeError, StateDictError, StateDictKeyError, StateDictShapeError, loadStateDict, loadStateDictFile, readSafetensors,
  saveStateDict, saveStateDictFile, tensor, writeSafetensors, type FloatDType, type SafetensorsFile, type SafetensorsReadTensor, type SafetensorsTensor,
} from '@mta/core';
import { MultiTokenAttention, relFrobenius, type MtaOptions } from '@mta/ops-mta';

/**
 * Issue 12 item 5, PyTorch interop: state dicts that PyTorch saved (safetensors.torch.save_file) from a module
 * laid out as Liger-Kernel's LigerMultiTokenAttention (weight [Cout, Cin/groups, kh, kw], bias [Cout]) load
 * into our MultiTokenAttention and give PyTorch's output. The fixtures and the script that made them are in
 * golden/interop/ (make_liger_mta_fixture.py; Liger-Kernel's reference forward, run by PyTorch on the CPU).
 * The expected outputs are PyTorch's, never ours; the tolerance is golden/README.md's (relative Frobenius 1e-5).
 */
const TOLERANCE = 1e-5;
const FIXTURES = new URL('../../../golden/interop/', import.meta.url);
const read = (name: string): Uint8Array => readFileSync(new URL(name, FIXTURES));

interface LigerConfig {
  readonly in_channels: number;
  readonly out_channels: number;
  readonly kernel_size: number;
  readonly padding: number;
  readonly groups: number;
  readonly bias: boolean;
  readonly sparse: boolean;
}

interface Fixture {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly state: SafetensorsFile;
  readonly config: LigerConfig;
  readonly io: SafetensorsFile;
}

function fixture(name: string): Fixture {
  const bytes = read(`liger_mta_${name}.safetensors`);
  const state = readSafetensors(bytes, name);
  return { name, bytes, state, config: JSON.parse(state.metadata.config!) as LigerConfig, io: readSafetensors(read(`liger_mta_${name}.io.safetensors`)) };
}

const FIXTURE_NAMES = ['softmax', 'sparsemax'] as const;
const fixtures = FIXTURE_NAMES.map(fixture);
const ioTensor = (f: Fixture, key: string): SafetensorsReadTensor => f.io.tensors.get(key)!;

/** Our layer built with Liger's constructor arguments (its reference uses padding K // 2, stride 1). */
function layerFor(c: LigerConfig, extra: { device?: 'cpu' | 'npu'; dtype?: FloatDType; groups?: number; bias?: boolean } = {}): MultiTokenAttention {
  // The seed is irrelevant: every parameter is overwritten by the load.
  return new MultiTokenAttention(c.in_channels, c.out_channels, new Rng(99), {
    kernelSize: c.kernel_size, padding: c.padding, groups: extra.groups ?? c.groups, bias: extra.bias ?? c.bias, sparse: c.sparse,
    device: extra.device, dtype: extra.dtype,
  });
}

function forward(layer: MultiTokenAttention, f: Fixture, impl: MtaOptions['impl'], device: 'cpu' | 'npu' = 'cpu', dtype: FloatDType = 'float32'): Float64Array {
  const s = ioTensor(f, 'scores');
  const data = dtype === 'float64' ? Float64Array.from(s.data) : s.data;
  return Float64Array.from(layer.forward(tensor(data, s.shape, { device, dtype }), impl).toArray());
}

const root = mkdtempSync(join(tmpdir(), 'mta-torch-interop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the fixtures are what PyTorch wrote', () => {
  for (const f of fixtures) {
    it(`${f.name}: Liger's state_dict keys and Conv2d weight layout, written by safetensors.torch`, () => {
      const c = f.config;
      expect(f.state.metadata.writer).toBe('safetensors.torch');
      expect([...f.state.tensors.keys()].sort()).toEqual(c.bias ? ['bias', 'weight'] : ['weight']);
      expect(f.state.tensors.get('weight')!.shape).toEqual([c.out_channels, c.in_channels / c.groups, c.kernel_size, c.kernel_size]);
      expect(f.state.tensors.get('weight')!.dtype).toBe('F32');
      if (c.bias) expect(f.state.tensors.get('bias')!.shape).toEqual([c.out_channels]);
      expect(ioTensor(f, 'out').dtype).toBe('F32');
      expect(ioTensor(f, 'out_f64').dtype).toBe('F64');
    });
  }
});

describe('a Liger state dict loads into MultiTokenAttention and gives PyTorch\'s output', () => {
  const runs: Array<[string, 'cpu' | 'npu', MtaOptions['impl']]> = [['cpu, fused', 'cpu', 'fused'], ['cpu, composite', 'cpu', 'composite'], ['npu, fused', 'npu', 'fused']];
  for (const f of fixtures) {
    for (const [label, device, impl] of runs) {
      it(`${f.name} (${f.config.sparse ? 'sparsemax' : 'softmax'}, groups ${f.config.groups}, bias ${f.config.bias}), ${label}`, () => {
        const layer = layerFor(f.config, { device });
        loadStateDict(layer, f.bytes);
        const got = forward(layer, f, impl, device);
        const vsTorch32 = relFrobenius(got, ioTensor(f, 'out').data);
        const vsTorch64 = relFrobenius(got, ioTensor(f, 'out_f64').data);
        console.info(`torch interop ${f.name} ${label}: relFro vs PyTorch float32 ${vsTorch32.toExponential(2)}, vs float64 ${vsTorch64.toExponential(2)}`);
        expect(vsTorch32).toBeLessThanOrEqual(TOLERANCE);
        expect(vsTorch64).toBeLessThanOrEqual(TOLERANCE);
      });
    }

    it(`${f.name}: in float64 (the weights widened), against PyTorch's float64 run of the same module`, () => {
      const layer = layerFor(f.config, { dtype: 'float64' });
      const widened = new Map([...f.state.tensors].map(([k, t]) => [k, { shape: t.shape, data: Float64Array.from(t.data) }]));
      loadStateDict(layer, writeSafetensors(widened));
      const err = relFrobenius(forward(layer, f, 'fused', 'cpu', 'float64'), ioTensor(f, 'out_f64').data);
      console.info(`torch interop ${f.name} float64: relFro vs PyTorch float64 ${err.toExponential(2)}`);
      expect(err).toBeLessThanOrEqual(1e-12);
    });
  }

  it('can fail: a kernel flipped in kh and kw on load (true convolution, not cross-correlation) misses PyTorch by far', () => {
    const f = fixtures[0]!;
    const w = f.state.tensors.get('weight')!;
    const [cout, cin, kh, kw] = w.shape as [number, number, number, number];
    const flipped = new Float32Array(w.data.length);
    for (let o = 0; o < cout * cin; o++) {
      for (let i = 0; i < kh * kw; i++) flipped[o * kh * kw + i] = w.data[o * kh * kw + (kh * kw - 1 - i)]!;
    }
    const layer = layerFor(f.config);
    loadStateDict(layer, { metadata: {}, tensors: new Map([...f.state.tensors, ['weight', { ...w, data: flipped }]]) });
    expect(relFrobenius(forward(layer, f, 'fused'), ioTensor(f, 'out').data)).toBeGreaterThan(1e-2);
  });
});

describe('named errors for a state dict that does not fit', () => {
  const f = fixtures[0]!; // softmax: weight [6, 2, 3, 3] and bias [6]
  type Entry = [string, SafetensorsTensor];
  const withTensors = (tensors: Iterable<Entry>): Uint8Array => writeSafetensors(new Map(tensors));
  const own = (): Entry[] => [...f.state.tensors].map(([k, t]): Entry => [k, { shape: t.shape, data: t.data }]);

  it('a missing key: the bias the module has and the file lacks', () => {
    const layer = layerFor(f.config);
    const before = layer.weight.toArray();
    const err = catchError(() => loadStateDict(layer, withTensors(own().filter(([k]) => k !== 'bias'))));
    expect(err).toBeInstanceOf(StateDictKeyError);
    expect(err).toMatchObject({ name: 'StateDictKeyError', missing: ['bias'], unexpected: [] });
    expect(err.message).toMatch(/missing \[bias\]/);
    expect(layer.weight.toArray()).toEqual(before); // nothing written by a refused load
  });

  it('an extra key: a tensor the module has no parameter for (Liger with bias into ours without)', () => {
    const err = catchError(() => loadStateDict(layerFor(f.config, { bias: false }), f.bytes));
    expect(err).toMatchObject({ name: 'StateDictKeyError', missing: [], unexpected: ['bias'] });
  });

  it('a wrong shape names the key, the expected and the actual shape (groups 1 where Liger used 2)', () => {
    const err = catchError(() => loadStateDict(layerFor(f.config, { groups: 1 }), f.bytes));
    expect(err).toBeInstanceOf(StateDictShapeError);
    expect(err).toMatchObject({ key: 'weight', expected: [6, 4, 3, 3], actual: [6, 2, 3, 3] });
    expect(err.message).toBe("loadStateDict: 'weight' has shape [6, 2, 3, 3] in the file, but the module expects [6, 4, 3, 3]");
  });

  it('a wrong dtype: float32 tensors into a float64 module, and bfloat16 ones (read, but not converted silently)', () => {
    const err = catchError(() => loadStateDict(layerFor(f.config, { dtype: 'float64' }), f.bytes));
    expect(err).toBeInstanceOf(StateDictDTypeError);
    expect(err).toMatchObject({ key: 'weight', expected: 'F64', actual: 'F32' });
    const bf16: SafetensorsFile = { metadata: {}, tensors: new Map([...f.state.tensors].map(([k, t]) => [k, { ...t, dtype: 'BF16' as const }])) };
    expect(catchError(() => loadStateDict(layerFor(f.config), bf16))).toMatchObject({ name: 'StateDictDTypeError', expected: 'F32', actual: 'BF16' });
  });

  it('every one is a StateDictError; a corrupt file is a SafetensorsError', () => {
    expect(catchError(() => loadStateDict(layerFor(f.config, { groups: 1 }), f.bytes))).toBeInstanceOf(StateDictError);
    expect(catchError(() => loadStateDict(layerFor(f.config), f.bytes.subarray(0, 100)))).toMatchObject({ name: 'SafetensorsError' });
  });

  it('a prefix picks the module out of a whole model\'s state dict; keys outside it are other modules\'', () => {
    const model = withTensors([...own().map(([k, t]): Entry => [`layers.0.mta.${k}`, t]), ['layers.0.norm.weight', { shape: [6], data: new Float32Array(6) }]]);
    const layer = layerFor(f.config);
    loadStateDict(layer, model, { prefix: 'layers.0.mta.' });
    expect(relFrobenius(forward(layer, f, 'fused'), ioTensor(f, 'out').data)).toBeLessThanOrEqual(TOLERANCE);
    expect(catchError(() => loadStateDict(layerFor(f.config), model))).toMatchObject({ missing: ['weight', 'bias'] });
  });
});

describe('round trip: save -> load', () => {
  for (const f of fixtures) {
    it(`${f.name}: bytes, then a file; same tensors as PyTorch's file, bit-identical output`, () => {
      const layer = layerFor(f.config);
      loadStateDict(layer, f.bytes);
      const saved = readSafetensors(saveStateDict(layer));
      for (const [k, t] of f.state.tensors) expect(saved.tensors.get(k)).toEqual(t);
      expect([...saved.tensors.keys()].sort()).toEqual([...f.state.tensors.keys()].sort());

      const file = join(root, `${f.name}.safetensors`);
      saveStateDictFile(layer, file, { metadata: { from: 'mta' } });
      const fresh = layerFor(f.config);
      loadStateDictFile(fresh, file);
      expect(readSafetensors(readFileSync(file)).metadata).toEqual({ from: 'mta' });
      expect(forward(fresh, f, 'fused')).toEqual(forward(layer, f, 'fused'));
    });
  }
});

describe('packages/ops-mta/README.md', () => {
  it('the PyTorch interop example runs as written and prints true', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## PyTorch interop'));
    const example = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example, 'the interop section has a ```js example').toBeDefined();
    // Inside the package, so '@mta/*' resolve as for a user; tsx because the workspace exports point at .ts sources.
    const dir = mkdtempSync(fileURLToPath(new URL('../.readme-interop-', import.meta.url)));
    try {
      writeFileSync(join(dir, 'example.mjs'), example!);
      const out = execFileSync(process.execPath, ['--import', 'tsx', 'example.mjs'], { cwd: dir, encoding: 'utf8', env: { ...process.env, MTA_CPU_THREADS: '1' } });
      expect(out.trim()).toBe('true');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function catchError(fn: () => unknown): Error & Record<string, unknown> {
  try {
    fn();
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error('expected an error, none was thrown');
}
