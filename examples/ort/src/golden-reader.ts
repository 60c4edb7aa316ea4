import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultGoldenManifestPath, type MtaConfig, type MtaShape } from '@mta/ops-mta';

/**
 * A minimal reader of the `mta-golden/1` manifest, for the forward checks through ONNX Runtime
 * (inputs and `out` only). Kept independent of the framework's own loader on purpose: the ORT
 * checks should not share code paths with what they check.
 */
interface TensorEntry {
  readonly dtype: 'float32' | 'float64';
  readonly shape: readonly number[];
  readonly offset: number;
  readonly byteLength: number;
}
interface CaseEntry {
  readonly name: string;
  readonly B: number;
  readonly Cin: number;
  readonly Cout: number;
  readonly L: number;
  readonly kernel: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
  readonly bias: boolean;
  readonly sparse: boolean;
  readonly mode: 'post' | 'pre';
  readonly nanAbove: boolean;
  readonly tensors: Readonly<Record<string, TensorEntry>>;
}

export interface GoldenForwardCase {
  readonly name: string;
  readonly shape: MtaShape;
  readonly config: MtaConfig;
  readonly nanAbove: boolean;
  readonly scores: Float32Array;
  readonly weight: Float32Array;
  readonly bias: Float32Array | null;
  readonly out: Float64Array;
}

/**
 * The repository's golden/ (or $MTA_GOLDEN_DIR): only where the data lives comes from ops-mta, not how
 * it is read, so this reader stays independent of the loader it checks.
 */
export const DEFAULT_GOLDEN_DIR = dirname(defaultGoldenManifestPath());

export function readGoldenForwardCases(dir: string = DEFAULT_GOLDEN_DIR, manifestName = 'public.json'): GoldenForwardCase[] {
  const manifestPath = join(dir, manifestName);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { format: string; cases: CaseEntry[] };
  if (manifest.format !== 'mta-golden/1') {
    throw new Error(`${manifestPath}: expected format 'mta-golden/1', got '${manifest.format}'.`);
  }
  const bin = readFileSync(join(dir, manifestName.replace(/\.json$/, '.bin')));
  const read = (c: CaseEntry, key: string, dtype: 'float32' | 'float64'): Float32Array | Float64Array => {
    const t = c.tensors[key];
    if (!t) throw new Error(`${manifestPath}: case '${c.name}' has no tensor '${key}'.`);
    if (t.dtype !== dtype) throw new Error(`${manifestPath}: case '${c.name}' tensor '${key}' is ${t.dtype}, expected ${dtype}.`);
    // Copy out of the file buffer: offsets are 8-byte aligned in the file, not in node's pooled Buffer.
    const bytes = bin.buffer.slice(bin.byteOffset + t.offset, bin.byteOffset + t.offset + t.byteLength);
    return dtype === 'float32' ? new Float32Array(bytes) : new Float64Array(bytes);
  };
  return manifest.cases.map((c) => ({
    name: c.name,
    shape: { B: c.B, Cin: c.Cin, Cout: c.Cout, L: c.L, kH: c.kernel[0], kW: c.kernel[1] },
    config: { mode: c.mode, sparse: c.sparse, pads: c.pads, dilation: c.dilation, groups: c.groups },
    nanAbove: c.nanAbove,
    scores: read(c, 'scores', 'float32') as Float32Array,
    weight: read(c, 'weight', 'float32') as Float32Array,
    bias: c.bias ? (read(c, 'bias', 'float32') as Float32Array) : null,
    out: read(c, 'out', 'float64') as Float64Array,
  }));
}
