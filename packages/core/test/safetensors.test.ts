import { describe, expect, it } from 'vitest';
import { SafetensorsError, readSafetensors, toBfloat16Bits, toFloat16Bits, writeSafetensors } from '@mta/core';

/**
 * The safetensors codec (moved here from examples/train so checkpoints and PyTorch state dicts share one):
 * our own round trip, hand-built files, and the half dtypes PyTorch writes. Files written by PyTorch's
 * `safetensors.torch.save_file` are read in packages/ops-mta/test/torch-interop.test.ts.
 */
const fileOf = (h: object, data: Uint8Array): Uint8Array => {
  const json = new TextEncoder().encode(JSON.stringify(h));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
};

describe('safetensors', () => {
  it('round-trips float32, float64 and int32 tensors with metadata; the data starts 8-byte aligned', () => {
    const tensors = new Map([
      ['a', { shape: [2, 2], data: new Float32Array([1, NaN, -Infinity, 2.5]) }],
      ['b', { shape: [3], data: new Float64Array([Math.PI, -0, 1e300]) }],
      ['c', { shape: [], data: new Int32Array([-7]) }],
    ]);
    const bytes = writeSafetensors(tensors, { note: 'x' });
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ note: 'x' });
    expect([...back.tensors.keys()]).toEqual(['a', 'b', 'c']);
    const dtypes = { a: 'F32', b: 'F64', c: 'I32' } as const;
    for (const [name, t] of tensors) expect(back.tensors.get(name)).toEqual({ ...t, dtype: dtypes[name as keyof typeof dtypes] });
  });

  it('reads F16 and BF16 widened exactly to float32, and says which dtype the file held', () => {
    const values = [1, -2.5, 0.333251953125, 65504];
    const half = new Uint8Array(16);
    const view = new DataView(half.buffer);
    values.forEach((v, i) => view.setUint16(i * 2, toFloat16Bits(v), true));
    values.forEach((v, i) => view.setUint16(8 + i * 2, toBfloat16Bits(v), true));
    const back = readSafetensors(fileOf({ h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] }, b: { dtype: 'BF16', shape: [4], data_offsets: [8, 16] } }, half));
    expect(back.tensors.get('h')).toEqual({ shape: [4], dtype: 'F16', data: new Float32Array(values) });
    const b = back.tensors.get('b')!;
    expect(b.dtype).toBe('BF16');
    expect(Array.from(b.data)).toEqual([1, -2.5, 0.333984375, 65536]);
  });

  it('refuses truncated data, overlapping ranges and unknown dtypes', () => {
    const header = (h: object, dataBytes: number): Uint8Array => fileOf(h, new Uint8Array(dataBytes));
    expect(() => readSafetensors(header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 4))).toThrow(SafetensorsError);
    expect(() => readSafetensors(header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8)))
      .toThrow(/gap or an overlap/);
    expect(() => readSafetensors(header({ a: { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } }, 1))).toThrow(/dtype "Q4"/);
    expect(() => readSafetensors(header({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8))).toThrow(/12 bytes\) but data_offsets cover 8/);
  });
});
