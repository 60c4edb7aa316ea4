/**
 * A small safetensors reader and writer (https://github.com/huggingface/safetensors, the format only):
 * an 8-byte little-endian header length, a JSON header mapping each tensor name to its dtype, shape and
 * byte range, then the raw little-endian data. Binary, so NaN and +-Inf survive a round trip (JSON turns
 * them into null). The npm package of that name is an unmaintained 0.0.1, hence this file.
 *
 * The reader trusts nothing: every range, shape and dtype is checked, and the tensors must tile the data
 * section exactly, as the format requires; a bad file is a SafetensorsError saying what is wrong.
 * Platform-neutral (bytes in, bytes out): file access lives in the Node entries that use it.
 *
 * F16 and BF16 (what PyTorch users save half models as) are read, widened exactly to Float32Array, with the
 * file's dtype kept beside the data, so a caller can refuse a dtype rather than convert it silently.
 */
import { fromBfloat16Bits, fromFloat16Bits } from './half.js';

export type SafetensorsDType = 'F32' | 'F64' | 'I32' | 'F16' | 'BF16';
export type SafetensorsArray = Float32Array | Float64Array | Int32Array;

/** One tensor as written: shape and data (the writer takes the dtype from the array's type). */
export interface SafetensorsTensor {
  readonly shape: readonly number[];
  readonly data: SafetensorsArray;
}

/** One tensor as read: `dtype` is the file's (F16 and BF16 arrive widened to Float32Array). */
export interface SafetensorsReadTensor extends SafetensorsTensor {
  readonly dtype: SafetensorsDType;
}

export interface SafetensorsFile {
  readonly tensors: ReadonlyMap<string, SafetensorsReadTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
}

const BYTES: Readonly<Record<SafetensorsDType, number>> = { F32: 4, F64: 8, I32: 4, F16: 2, BF16: 2 };
/** Headers beyond this are refused before parsing (the reference implementation's own limit). */
const MAX_HEADER_BYTES = 100_000_000;

function dtypeOf(a: SafetensorsArray): 'F32' | 'F64' | 'I32' {
  return a instanceof Float32Array ? 'F32' : a instanceof Float64Array ? 'F64' : 'I32';
}

export function writeSafetensors(tensors: ReadonlyMap<string, SafetensorsTensor>,
  metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new SafetensorsError(`writeSafetensors: '__metadata__' is reserved and cannot name a tensor`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new SafetensorsError(`writeSafetensors: '${name}' has shape [${t.shape.join(', ')}] (${count} values) but ${t.data.length} values`);
    }
    header[name] = { dtype: dtypeOf(t.data), shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  // Pad the header with spaces so the data starts 8-byte aligned (the format allows trailing whitespace).
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(padded - json.length));
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of tensors.values()) {
    const bytes = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const step = BYTES[dtypeOf(t.data)];
    for (let i = 0; i < t.data.length; i++) {
      if (t.data instanceof Float32Array) view.setFloat32(at + i * step, bytes.getFloat32(i * step, true), true);
      else if (t.data instanceof Float64Array) view.setFloat64(at + i * step, bytes.getFloat64(i * step, true), true);
      else view.setInt32(at + i * step, bytes.getInt32(i * step, true), true);
    }
    at += t.data.byteLength;
  }
  return out;
}

export function readSafetensors(bytes: Uint8Array, what = 'safetensors'): SafetensorsFile {
  const fail = (message: string): never => { throw new SafetensorsError(`${what}: ${message}`); };
  if (bytes.length < 8) fail(`${bytes.length} bytes is too short for a safetensors file (an 8-byte header length comes first)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.length) {
    fail(`header length ${headerLength} does not fit in a file of ${bytes.length} bytes`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    fail(`the header is not UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header is not a JSON object');
  const dataStart = 8 + headerLength, dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsReadTensor>();
  const ranges: Array<[number, number, string]> = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is ${JSON.stringify(v)}, not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) fail(`tensor '${name}' is ${JSON.stringify(entry)}, not {dtype, shape, data_offsets}`);
    if (typeof e.dtype !== 'string' || !(e.dtype in BYTES)) fail(`tensor '${name}' has dtype ${JSON.stringify(e.dtype)}; this reader takes ${Object.keys(BYTES).join(', ')}`);
    const dtype = e.dtype as SafetensorsDType;
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor '${name}' has shape ${JSON.stringify(e.shape)}; expected an array of non-negative integers`);
    }
    const shape = e.shape as number[];
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1] || offsets[1] > dataLength) {
      fail(`tensor '${name}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] within the ${dataLength} data bytes`);
    }
    const [begin, end] = offsets as [number, number];
    const count = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * BYTES[dtype]) {
      fail(`tensor '${name}' has shape [${shape.join(', ')}] of ${dtype} (${count * BYTES[dtype]} bytes) but data_offsets cover ${end - begin} bytes`);
    }
    ranges.push([begin, end, name]);
    const src = new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin, end - begin);
    tensors.set(name, { shape, dtype, data: decode(dtype, src, count) });
  }
  // The tensors must tile the data section: no gap, no overlap, nothing after the last one.
  ranges.sort((a, b) => a[0] - b[0]);
  let covered = 0;
  for (const [begin, end, name] of ranges) {
    if (begin !== covered) fail(`tensor '${name}' starts at data byte ${begin}, but the previous tensor ends at ${covered} (a gap or an overlap)`);
    covered = end;
  }
  if (covered !== dataLength) fail(`the tensors cover ${covered} of ${dataLength} data bytes`);
  return { tensors, metadata };
}

/** Little-endian elements into a fresh array (a copy: the result never aliases, nor needs aligned, input bytes). */
function decode(dtype: SafetensorsDType, src: DataView, count: number): SafetensorsArray {
  switch (dtype) {
    case 'F32': return Float32Array.from({ length: count }, (_, i) => src.getFloat32(i * 4, true));
    case 'F64': return Float64Array.from({ length: count }, (_, i) => src.getFloat64(i * 8, true));
    case 'I32': return Int32Array.from({ length: count }, (_, i) => src.getInt32(i * 4, true));
    case 'F16': return Float32Array.from({ length: count }, (_, i) => fromFloat16Bits(src.getUint16(i * 2, true)));
    case 'BF16': return Float32Array.from({ length: count }, (_, i) => fromBfloat16Bits(src.getUint16(i * 2, true)));
  }
}
