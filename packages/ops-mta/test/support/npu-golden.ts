/** A small reader for the repository's golden/ (format mta-golden/1); the real loader belongs to ops-mta. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GmBuffer, NpuSimulator } from '@mta/device-npu';
import type { NpuMtaConfig, NpuMtaShape } from '../../src/kernels/npu/index.js';

// golden/ at the repository root, or $MTA_GOLDEN_DIR as for the ops-mta loader (device-npu cannot import it).
const goldenDir = join(process.env['MTA_GOLDEN_DIR'] ?? fileURLToPath(new URL('../../../../golden/', import.meta.url)), '/');

export interface GoldenTensor {
  readonly shape: number[];
  readonly data: Float64Array;
}

export interface GoldenCase {
  readonly name: string;
  readonly shape: NpuMtaShape;
  readonly config: NpuMtaConfig;
  readonly bias: boolean;
  readonly tensors: Record<string, GoldenTensor>;
}

interface ManifestTensor {
  dtype: 'float32' | 'float64';
  shape: number[];
  offset: number;
  byteLength: number;
}

interface ManifestCase {
  name: string;
  B: number;
  Cin: number;
  Cout: number;
  L: number;
  kernel: [number, number];
  pads: [number, number, number, number];
  dilation: [number, number];
  groups: number;
  bias: boolean;
  sparse: boolean;
  mode: 'post' | 'pre';
  tensors: Record<string, ManifestTensor>;
}

export function loadGolden(): GoldenCase[] {
  const manifest = JSON.parse(readFileSync(`${goldenDir}public.json`, 'utf8')) as { format: string; cases: ManifestCase[] };
  if (manifest.format !== 'mta-golden/1') throw new Error(`golden: unexpected format ${manifest.format}`);
  const bin = readFileSync(`${goldenDir}public.bin`);
  const buf = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  return manifest.cases.map((c) => {
    const tensors: Record<string, GoldenTensor> = {};
    for (const [name, t] of Object.entries(c.tensors)) {
      const raw = t.dtype === 'float32' ? new Float32Array(buf, t.offset, t.byteLength / 4) : new Float64Array(buf, t.offset, t.byteLength / 8);
      tensors[name] = { shape: t.shape, data: Float64Array.from(raw) };
    }
    return {
      name: c.name,
      shape: { B: c.B, Cin: c.Cin, Cout: c.Cout, L: c.L, kH: c.kernel[0], kW: c.kernel[1] },
      config: { mode: c.mode, sparse: c.sparse, pads: c.pads, dilation: c.dilation, groups: c.groups },
      bias: c.bias,
      tensors,
    };
  });
}

/** ||got - want||_F / ||want||_F, and whether every value of got is finite. */
export function relFro(got: ArrayLike<number>, want: ArrayLike<number>): { rel: number; finite: boolean } {
  if (got.length !== want.length) throw new Error(`relFro: lengths differ (${got.length} vs ${want.length})`);
  let num = 0;
  let den = 0;
  let finite = true;
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!;
    if (!Number.isFinite(g)) finite = false;
    const d = g - want[i]!;
    num += d * d;
    den += want[i]! * want[i]!;
  }
  return { rel: den === 0 ? Math.sqrt(num) : Math.sqrt(num / den), finite };
}

/** A golden case's scores, weight, bias and grad_out uploaded to `sim` as float32 GM. */
export function uploadGolden(sim: NpuSimulator, c: GoldenCase): { s: GmBuffer; w: GmBuffer; b: GmBuffer | null; g: GmBuffer } {
  const { B, Cin, Cout, L, kH, kW } = c.shape;
  return {
    s: sim.upload('s', 'float32', [B, Cin, L, L], c.tensors.scores!.data),
    w: sim.upload('w', 'float32', [Cout, Cin / c.config.groups, kH, kW], c.tensors.weight!.data),
    b: c.bias ? sim.upload('b', 'float32', [Cout], c.tensors.bias!.data) : null,
    g: sim.upload('g', 'float32', [B, Cout, L, L], c.tensors.grad_out!.data),
  };
}
