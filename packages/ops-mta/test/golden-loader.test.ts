import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GoldenFormatError, allFinite, defaultGoldenManifestPath, loadGoldenManifest, maxAbs, relFrobenius, toMtaConfig,
} from '../src/golden';

const manifestPath = defaultGoldenManifestPath();
const binPath = manifestPath.replace(/\.json$/, '.bin');
const rawManifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { cases: Record<string, unknown>[] } & Record<string, unknown>;
const tmp = mkdtempSync(join(tmpdir(), 'mta-golden-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
/** Writes a manipulated copy of the public manifest (and its bin) into the tmp dir and loads it. */
function loadVariant(edit: (manifest: typeof rawManifest) => void, options: { bin?: Buffer | null; name?: string } = {}): () => unknown {
  const manifest = structuredClone(rawManifest);
  edit(manifest);
  const stem = options.name ?? `variant-${counter++}`;
  const path = join(tmp, `${stem}.json`);
  writeFileSync(path, JSON.stringify(manifest));
  if (options.bin !== null) {
    if (options.bin) writeFileSync(join(tmp, `${stem}.bin`), options.bin);
    else copyFileSync(binPath, join(tmp, `${stem}.bin`));
  }
  return () => loadGoldenManifest(path);
}

function tensorsOf(manifest: typeof rawManifest, index: number): Record<string, Record<string, unknown>> {
  return manifest.cases[index]!['tensors'] as Record<string, Record<string, unknown>>;
}

describe('defaultGoldenManifestPath', () => {
  // A fresh clone has nothing beside it: the default must be the committed copy, not a sibling directory.
  it.runIf(process.env['MTA_GOLDEN_DIR'] === undefined)('is golden/public.json inside the repository', () => {
    const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
    expect(relative(repoRoot, manifestPath)).toBe(join('golden', 'public.json'));
  });

  it('honours MTA_GOLDEN_DIR', () => {
    const saved = process.env['MTA_GOLDEN_DIR'];
    process.env['MTA_GOLDEN_DIR'] = tmp;
    try {
      expect(defaultGoldenManifestPath()).toBe(join(tmp, 'public.json'));
    } finally {
      if (saved === undefined) delete process.env['MTA_GOLDEN_DIR'];
      else process.env['MTA_GOLDEN_DIR'] = saved;
    }
  });
});

describe('loadGoldenManifest on the public suite', () => {
  const suite = loadGoldenManifest(manifestPath);

  it('reads all 19 cases with their fields, derived bin path and typed tensors', () => {
    expect(suite.format).toBe('mta-golden/1');
    expect(suite.binPath).toBe(binPath);
    expect(suite.cases).toHaveLength(19);
    const first = suite.cases[0]!;
    expect(first).toMatchObject({
      index: 0, name: 'liger-a', B: 2, Cin: 4, Cout: 4, L: 8, kernel: [3, 3], pads: [1, 1, 1, 1], dilation: [1, 1],
      groups: 1, bias: true, sparse: false, mode: 'post', scale: 1, seed: 1, nanAbove: false,
    });
    expect(first.tensors.scores.data).toBeInstanceOf(Float32Array);
    expect(first.tensors.scores.shape).toEqual([2, 4, 8, 8]);
    expect(first.tensors.out.data).toBeInstanceOf(Float64Array);
    expect(first.tensors.grad_weight.shape).toEqual([4, 4, 3, 3]);
    expect(first.tensors.bias?.shape).toEqual([4]);
    const noBias = suite.cases.find((c) => c.name === 'liger-b')!;
    expect(noBias.tensors.bias).toBeNull();
    expect(noBias.tensors.grad_bias).toBeNull();
    expect(suite.cases.map((c) => c.mode).filter((m) => m === 'pre')).toHaveLength(2);
  });

  it('decodes values: the first scores match the little-endian bytes of the bin', () => {
    const bin = readFileSync(binPath);
    const scores = suite.cases[0]!.tensors.scores.data;
    for (let k = 0; k < 4; k++) expect(scores[k]).toBe(bin.readFloatLE(k * 4));
    const outOffset = (tensorsOf(rawManifest, 0)['out']!['offset'] as number);
    expect(suite.cases[0]!.tensors.out.data[5]).toBe(bin.readDoubleLE(outOffset + 5 * 8));
  });

  it('agrees with the documented semantics: NaN exactly above the diagonal of nanAbove cases, zero masked outputs in post mode', () => {
    for (const c of suite.cases) {
      const { scores, out } = c.tensors;
      const L = c.L;
      let masked = 0, nan = 0, nonFiniteBelow = 0, nonzeroMaskedOut = 0;
      for (let k = 0; k < scores.data.length; k++) {
        const i = Math.floor(k / L) % L, j = k % L;
        if (j > i) { masked++; if (Number.isNaN(scores.data[k])) nan++; } else if (!Number.isFinite(scores.data[k])) nonFiniteBelow++;
      }
      for (let k = 0; k < out.data.length; k++) {
        const i = Math.floor(k / L) % L, j = k % L;
        if (j > i && out.data[k] !== 0) nonzeroMaskedOut++;
      }
      expect(nan, c.name).toBe(c.nanAbove ? masked : 0);
      expect(nonFiniteBelow, c.name).toBe(0);
      expect(nonzeroMaskedOut, c.name).toBe(0);
    }
  });

  it('maps a case to the shared MtaShape/MtaConfig', () => {
    const c = suite.cases.find((x) => x.name === 'pre-toy')!;
    expect(toMtaConfig(c)).toEqual({
      shape: { B: 2, Cin: 2, Cout: 2, L: 20, kH: 2, kW: 9 },
      config: { mode: 'pre', sparse: false, pads: [1, 0, 4, 4], dilation: [1, 1], groups: 2 },
    });
  });
});

describe('loadGoldenManifest rejects malformed files with the case, the field, expected and actual', () => {
  it('a byteLength that is not product(shape) * element size', () => {
    const load = loadVariant((m) => { tensorsOf(m, 2)['out']!['byteLength'] = 300; });
    expect(load).toThrow(GoldenFormatError);
    expect(load).toThrow(/case 2 'liger-b': tensors\.out\.byteLength: expected 400 .*got 300/);
  });

  it('an offset past the end of the bin', () => {
    const load = loadVariant((m) => { tensorsOf(m, 18)['grad_bias']!['offset'] = 2497184; });
    expect(load).toThrow(/case 18 'nan-above-diagonal-sparse': tensors\.grad_bias\.offset: range \[2497184, 2497200\) is out of the binary's range \[0, 2497184\)/);
  });

  it('a bin shorter than the manifest says', () => {
    const load = loadVariant(() => {}, { bin: readFileSync(binPath).subarray(0, 3000) });
    expect(load).toThrow(/case 0 'liger-a': tensors\.bias\.offset: range \[14016, 14032\) is out of the binary's range \[0, 3000\)/);
  });

  it('an unknown dtype', () => {
    const load = loadVariant((m) => { tensorsOf(m, 1)['weight']!['dtype'] = 'float16'; });
    expect(load).toThrow(/case 1 'liger-a-sparse': tensors\.weight\.dtype: expected 'float32' or 'float64', got "float16" \(unknown dtype\)/);
  });

  it('a missing required field', () => {
    const load = loadVariant((m) => { delete m.cases[3]!['groups']; });
    expect(load).toThrow(/case 3 'liger-b-sparse': groups: required field is missing \(expected a positive integer\)/);
  });

  it('a field of the wrong type', () => {
    const load = loadVariant((m) => { m.cases[4]!['pads'] = [1, 1, 1]; });
    expect(load).toThrow(/case 4 'liger-c': pads: expected \[top, bottom, left, right\] of integers >= 0, got \[1,1,1\]/);
  });

  it('a missing name', () => {
    const load = loadVariant((m) => { delete m.cases[5]!['name']; });
    expect(load).toThrow(/case 5: name: expected a non-empty string, got nothing \(missing\)/);
  });

  it('a missing tensor, and a bias tensor for a case without bias', () => {
    expect(loadVariant((m) => { delete tensorsOf(m, 0)['grad_scores']; })).toThrow(/case 0 'liger-a': tensors\.grad_scores: required tensor is missing/);
    expect(loadVariant((m) => { delete tensorsOf(m, 0)['bias']; })).toThrow(/case 0 'liger-a': tensors\.bias: required tensor is missing \(the case has bias: true\)/);
    expect(loadVariant((m) => { m.cases[0]!['bias'] = false; })).toThrow(/case 0 'liger-a': tensors\.bias: present but the case has bias: false/);
  });

  it('a tensor shape that does not match the case sizes', () => {
    const load = loadVariant((m) => { tensorsOf(m, 6)['weight']!['shape'] = [4, 4, 3, 3]; tensorsOf(m, 6)['weight']!['byteLength'] = 576; });
    expect(load).toThrow(/case 6 'groups2': tensors\.weight\.shape: expected \[4, 2, 3, 3\] from the case's sizes, got \[4, 4, 3, 3\]/);
  });

  it('a format other than mta-golden/1', () => {
    expect(loadVariant((m) => { m['format'] = 'mta-golden/2'; })).toThrow(/format: expected 'mta-golden\/1', got "mta-golden\/2"/);
  });

  it('a duplicate case name', () => {
    expect(loadVariant((m) => { m.cases[1]!['name'] = 'liger-a'; })).toThrow(/case 1 'liger-a': name: expected a unique name, but case 0 has it too/);
  });

  it('invalid JSON and a missing bin', () => {
    const broken = join(tmp, 'broken.json');
    writeFileSync(broken, '{"format": "mta-golden/1", "cases": [');
    expect(() => loadGoldenManifest(broken)).toThrow(/not valid JSON/);
    expect(loadVariant(() => {}, { bin: null, name: 'no-bin' })).toThrow(/binary file .*no-bin\.bin not found/);
  });

  it('follows a "bin" field to a differently named binary', () => {
    copyFileSync(binPath, join(tmp, 'elsewhere.data'));
    const suite = loadVariant((m) => { m['bin'] = 'elsewhere.data'; }, { bin: null })() as ReturnType<typeof loadGoldenManifest>;
    expect(suite.binPath).toBe(join(tmp, 'elsewhere.data'));
    expect(suite.cases).toHaveLength(19);
  });
});

describe('error helpers', () => {
  it('relFrobenius, maxAbs and allFinite', () => {
    expect(relFrobenius([3, 4], [3, 4])).toBe(0);
    expect(relFrobenius([3, 4.5], [3, 4])).toBeCloseTo(0.5 / 5, 15);
    expect(relFrobenius([0, 1e-3], [0, 0])).toBeCloseTo(1e-3, 15);
    expect(relFrobenius([Number.NaN, 1], [1, 1])).toBeNaN();
    expect(maxAbs(new Float32Array([1, 2, 3]), new Float64Array([1, 2.5, 2]))).toBe(1);
    expect(maxAbs([Number.POSITIVE_INFINITY], [0])).toBeNaN();
    expect(allFinite([1, 2])).toBe(true);
    expect(allFinite([1, Number.NaN])).toBe(false);
    expect(() => relFrobenius([1], [1, 2])).toThrow(/got has 1 elements but expected has 2/);
  });
});
