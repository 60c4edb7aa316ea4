import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cast, concat, contiguous, equal, fromFloat16Bits, indexSelect, InvalidArgumentError, less, pad, permute, setFallback, slice, tensor, Tensor,
  toFloat16Bits, triu, where, writeTensor,
} from '@mta/core';
import '@mta/device-cpu/register';
import { GpuBuffer, releaseWebgpu, WebgpuDtypeError } from '../src/index.js';
import { webgpuForTests } from '../src/testing.js';

/**
 * float16 tensors on the webgpu device (half-wgsl.ts): binary16 bit patterns packed two to a u32 word.
 * Memory (allocation, writes and reads of odd element counts and offsets), the Cast kernel against core's
 * one codec bit for bit (every half pattern decoded, the rounding probes and ties encoded), Contiguous of
 * float16 views, and the refusal of float16 by every other kernel, with the named error.
 */
const gpu = await webgpuForTests();
beforeAll(() => setFallback({ strict: true }));
afterAll(() => releaseWebgpu());

const halves = (bits: readonly number[], shape: readonly number[] = [bits.length]): Tensor => {
  const t = Tensor.empty(shape, 'float16', 'webgpu');
  writeTensor(t, Uint16Array.from(bits));
  return t;
};
const bitsOf = async (t: Tensor): Promise<number[]> => Array.from(await t.data());
const randomBits = (n: number, seed: number): number[] => {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 16));
};

describe.skipIf(!gpu.ready)('float16 storage on webgpu', () => {
  it('allocates 2 bytes an element in whole words, and writes and reads odd element counts bit for bit', async () => {
    for (const n of [1, 2, 3, 5, 255, 257]) {
      const bits = randomBits(n, n);
      const t = halves(bits);
      const buffer = t.storage.buffer as GpuBuffer;
      expect(buffer.byteLength).toBe(2 * n);
      expect(buffer.capacity % 4).toBe(0);
      expect(buffer.capacity).toBeGreaterThanOrEqual(Math.ceil(n / 2) * 4);
      expect(await bitsOf(t)).toEqual(bits);
      t.dispose();
    }
  });

  it('reads views that start and end mid-word, and moves them to cpu', async () => {
    const bits = randomBits(9, 7);
    const t = halves(bits);
    const view = slice(t, [3], [8]);
    expect(await bitsOf(view)).toEqual(bits.slice(3, 8));
    const onCpu = await view.toAsync('cpu');
    expect(Array.from(onCpu.toArray())).toEqual(bits.slice(3, 8));
    for (const x of [onCpu, view, t]) x.dispose();
  });

  it('refuses a write that would zero the neighbour sharing its last word, and keeps writes that end the buffer', async () => {
    const t = halves([1, 2, 3, 4, 5].map(toFloat16Bits));
    expect(() => writeTensor(slice(t, [0], [3]), Uint16Array.from([9, 9, 9].map(toFloat16Bits))))
      .toThrow(/ends inside a 4-byte word whose other bytes hold elements 3\.\. of the buffer/);
    // From an even element to the end of the buffer: the padding half lies past the tensor.
    writeTensor(slice(t, [2], [5]), Uint16Array.from([7, 8, 9].map(toFloat16Bits)));
    expect(await t.numbers()).toEqual([1, 2, 7, 8, 9]);
    t.dispose();
  });

  it('float32 -> float16 rounds like core\'s codec, bit for bit: probes, ties to even, subnormals, overflow, NaN', async () => {
    const probes = [0, -0, 1, -1, 1 / 3, 0.1, 65504, 65519, 65520, 1e5, -1e5, 6e-5, 6e-8, 3e-8, 2.98e-8, 1e-9, 1e30, -1e-30,
      Infinity, -Infinity, NaN, 2049, 2051, 255.5, 256.5];
    // Exactly half-way between neighbouring halves (exact in float32), normal and subnormal: ties go to even.
    const ties = randomBits(200, 3).filter((h) => (h & 0x7c00) !== 0x7c00 && (h & 0x7fff) !== 0x7bff)
      .map((h) => (fromFloat16Bits(h) + fromFloat16Bits(h + 1)) / 2);
    const values = [...probes, ...ties, ...randomBits(301, 4).map((b) => Math.fround((b / 65536 - 0.5) * 2 ** ((b % 50) - 30)))].map(Math.fround);
    const x = tensor(Float32Array.from(values), [values.length], { device: 'webgpu' });
    const h = cast(x, 'float16');
    expect(h.dtype).toBe('float16');
    const got = await bitsOf(h);
    const want = values.map(toFloat16Bits);
    const wrong = got.flatMap((b, k) => (b === want[k] ? [] : [`${values[k]}: got 0x${b.toString(16)}, core 0x${want[k]!.toString(16)}`]));
    expect(wrong).toEqual([]);
    for (const t of [x, h]) t.dispose();
  });

  it('float16 -> float32 decodes every one of the 65,536 patterns exactly (NaN stays NaN)', async () => {
    const all = Array.from({ length: 65536 }, (_, k) => k);
    const h = halves(all);
    const f = cast(h, 'float32');
    const got = await f.data();
    const wrong = all.filter((b) => !Object.is(got[b], Math.fround(fromFloat16Bits(b))) && !(Number.isNaN(got[b]) && Number.isNaN(fromFloat16Bits(b))));
    expect(wrong.slice(0, 5).map((b) => `0x${b.toString(16)}: ${got[b]}`)).toEqual([]);
    // Back to float16: every non-NaN pattern round-trips (NaN comes back as the canonical 0x7e00, signed).
    const back = await bitsOf(cast(f, 'float16'));
    const notBack = all.filter((b) => back[b] !== (Number.isNaN(fromFloat16Bits(b)) ? (b & 0x8000) | 0x7e00 : b));
    expect(notBack).toEqual([]);
    h.dispose();
    f.dispose();
  });

  it('casts between float16 and int32 and bool, and copies float16 to float16 bit for bit', async () => {
    const values = [0, -0, 1.5, -2.75, 1000, -65504, 0.25];
    const h = cast(tensor(values, { device: 'webgpu' }), 'float16');
    expect(Array.from(await cast(h, 'int32').data())).toEqual([0, 0, 1, -2, 1000, -65504, 0]);
    expect(Array.from(await cast(h, 'bool').data())).toEqual([0, 0, 1, 1, 1, 1, 1]);
    expect(await cast(tensor([3, -70000, 65519], { device: 'webgpu', dtype: 'int32' }), 'float16').numbers()).toEqual([3, -Infinity, 65504]);
    expect(await cast(tensor([1, 0, 1], { device: 'webgpu', dtype: 'bool' }), 'float16').numbers()).toEqual([1, 0, 1]);
    const payloads = [0x7c01, 0xfe17, 0x3c00];
    const copy = contiguous(slice(halves(payloads), [0], [3]).reshape([3, 1]));
    expect(await bitsOf(copy)).toEqual(payloads);
  });

  it('makes permuted and offset float16 views contiguous on the GPU, bit for bit', async () => {
    const bits = randomBits(2 * 3 * 5, 11);
    const t = halves(bits, [2, 3, 5]);
    const moved = contiguous(permute(t, [2, 0, 1]));
    const want: number[] = [];
    for (let k = 0; k < 5; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) want.push(bits[(i * 3 + j) * 5 + k]!);
    expect(await bitsOf(moved)).toEqual(want);
    const inner = contiguous(slice(t, [1, 1, 1], [2, 3, 4]));
    expect(await bitsOf(inner)).toEqual([bits[21]!, bits[22]!, bits[23]!, bits[26]!, bits[27]!, bits[28]!]);
    for (const x of [moved, inner, t]) x.dispose();
  });

  it('every other kernel refuses float16 with WebgpuDtypeError (argument, expected, actual)', () => {
    const h = halves([0x3c00, 0x4000, 0x4200, 0x4400]);
    const ints = tensor([0, 1], { device: 'webgpu', dtype: 'int32' });
    const calls: Record<string, () => unknown> = {
      equal: () => equal(h, h), less: () => less(h, h), where: () => where(equal(ints, 0), slice(h, [0], [2]), slice(h, [2], [4])),
      indexSelect: () => indexSelect(h, ints), concat: () => concat([h, h]), pad: () => pad(h, [1, 1]), bandMask: () => triu(h.reshape([2, 2])),
    };
    for (const [name, call] of Object.entries(calls)) {
      let error: unknown = null;
      try { call(); } catch (e) { error = e; }
      expect(error, name).toBeInstanceOf(WebgpuDtypeError);
      expect(error, name).toBeInstanceOf(InvalidArgumentError);
      expect(error, name).toMatchObject({ actual: 'float16', argument: expect.stringMatching(/^webgpu \w+: dtype$/) });
      expect((error as WebgpuDtypeError).expected, name).not.toMatch(/float16/);
    }
    // bfloat16 stays off the device, casts included.
    expect(() => cast(h, 'bfloat16')).toThrow(WebgpuDtypeError);
    expect(() => cast(h, 'bfloat16')).toThrow(/dtype bfloat16 is not supported on webgpu \(float32, int32, bool, float16 are\)/);
  });

});
