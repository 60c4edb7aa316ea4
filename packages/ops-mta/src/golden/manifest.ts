import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { MtaMode, Pads4 } from '../config.js';

/**
 * Reader for `mta-golden/1` reference data: a JSON manifest plus a binary file of little-endian
 * tensors. The binary is the manifest's `bin` (or `data`) field, relative to the manifest, when
 * present, else the manifest's path with `.bin` for `.json` (public.json -> public.bin).
 */

export const GOLDEN_FORMAT = 'mta-golden/1';

export type GoldenDType = 'float32' | 'float64';

export interface GoldenTensor {
  readonly dtype: GoldenDType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

/** Inputs are float32 and expected results float64 in the public suite; the loader accepts either. */
export interface GoldenCase {
  /** Position in the manifest's `cases` array. */
  readonly index: number;
  readonly name: string;
  readonly B: number;
  readonly Cin: number;
  readonly Cout: number;
  readonly L: number;
  readonly kernel: readonly [kH: number, kW: number];
  readonly pads: Pads4;
  readonly dilation: readonly [dh: number, dw: number];
  readonly groups: number;
  readonly bias: boolean;
  readonly sparse: boolean;
  readonly mode: MtaMode;
  readonly scale: number;
  readonly seed: number;
  readonly nanAbove: boolean;
  readonly tensors: {
    /** (B, Cin, L, L). */
    readonly scores: GoldenTensor;
    /** (Cout, Cin/groups, kH, kW). */
    readonly weight: GoldenTensor;
    /** (Cout); present exactly when `bias` is true. */
    readonly bias: GoldenTensor | null;
    /** (B, Cout, L, L). */
    readonly grad_out: GoldenTensor;
    /** (B, Cout, L, L). */
    readonly out: GoldenTensor;
    /** (B, Cin, L, L). */
    readonly grad_scores: GoldenTensor;
    /** (Cout, Cin/groups, kH, kW). */
    readonly grad_weight: GoldenTensor;
    /** (Cout); present exactly when `bias` is true. */
    readonly grad_bias: GoldenTensor | null;
  };
}

export interface GoldenSuite {
  readonly manifestPath: string;
  readonly binPath: string;
  readonly format: typeof GOLDEN_FORMAT;
  readonly semantics: string | null;
  readonly cases: readonly GoldenCase[];
}

type TensorName = keyof GoldenCase['tensors'];
const TENSOR_NAMES: readonly TensorName[] = ['scores', 'weight', 'bias', 'grad_out', 'out', 'grad_scores', 'grad_weight', 'grad_bias'];
const BIAS_TENSORS: readonly TensorName[] = ['bias', 'grad_bias'];
const ELEMENT_BYTES: Record<GoldenDType, number> = { float32: 4, float64: 8 };

export class GoldenFormatError extends Error {
  override readonly name = 'GoldenFormatError';
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Reads and validates a manifest and its binary; every tensor is copied out into its own typed array. */
export function loadGoldenManifest(manifestPath: string): GoldenSuite {
  const path = resolve(manifestPath);
  const where = `loadGoldenManifest(${path})`;
  if (!existsSync(path)) throw new GoldenFormatError(`${where}: manifest file not found. Check the path.`);
  let manifest: Json;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as Json;
  } catch (error) {
    throw new GoldenFormatError(`${where}: not valid JSON (${(error as Error).message}). Regenerate or fix the manifest.`);
  }
  if (!isObject(manifest)) throw new GoldenFormatError(`${where}: expected a JSON object at the top level, got ${kindOf(manifest)}.`);
  if (manifest.format !== GOLDEN_FORMAT) {
    throw new GoldenFormatError(`${where}: format: expected '${GOLDEN_FORMAT}', got ${JSON.stringify(manifest.format ?? null)}. This reader only understands ${GOLDEN_FORMAT}.`);
  }
  const binPath = binPathFor(path, manifest, where);
  if (!existsSync(binPath) || !statSync(binPath).isFile()) {
    throw new GoldenFormatError(`${where}: binary file ${binPath} not found. It must sit next to the manifest (or be named by its "bin" field).`);
  }
  const bin = readFileSync(binPath);
  if (!Array.isArray(manifest.cases)) {
    throw new GoldenFormatError(`${where}: cases: expected an array, got ${kindOf(manifest.cases)}.`);
  }
  const seen = new Map<string, number>();
  const cases = manifest.cases.map((raw, index) => {
    const parsed = parseCase(raw, index, bin, `${where}: case ${index}`);
    const earlier = seen.get(parsed.name);
    if (earlier !== undefined) {
      throw new GoldenFormatError(`${where}: case ${index} '${parsed.name}': name: expected a unique name, but case ${earlier} has it too.`);
    }
    seen.set(parsed.name, index);
    return parsed;
  });
  const semantics = typeof manifest.semantics === 'string' ? manifest.semantics : null;
  return { manifestPath: path, binPath, format: GOLDEN_FORMAT, semantics, cases };
}

function binPathFor(manifestPath: string, manifest: JsonObject, where: string): string {
  for (const field of ['bin', 'data'] as const) {
    const value = manifest[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '') {
      throw new GoldenFormatError(`${where}: ${field}: expected a file name relative to the manifest, got ${JSON.stringify(value)}.`);
    }
    return resolve(dirname(manifestPath), value);
  }
  const stem = basename(manifestPath, extname(manifestPath));
  return join(dirname(manifestPath), `${stem}.bin`);
}

function parseCase(raw: Json, index: number, bin: Buffer, at: string): GoldenCase {
  if (!isObject(raw)) throw new GoldenFormatError(`${at}: expected an object, got ${kindOf(raw)}.`);
  const nameValue = raw.name;
  if (typeof nameValue !== 'string' || nameValue === '') {
    throw new GoldenFormatError(`${at}: name: expected a non-empty string, got ${describeValue(nameValue)}.`);
  }
  const where = `${at} '${nameValue}'`;
  const field = <T>(key: string, check: (value: Json) => value is Json & T, expected: string): T => {
    const value = raw[key];
    if (value === undefined) throw new GoldenFormatError(`${where}: ${key}: required field is missing (expected ${expected}).`);
    if (!check(value)) throw new GoldenFormatError(`${where}: ${key}: expected ${expected}, got ${describeValue(value)}.`);
    return value;
  };
  const B = field('B', isPositiveInteger, 'a positive integer');
  const Cin = field('Cin', isPositiveInteger, 'a positive integer');
  const Cout = field('Cout', isPositiveInteger, 'a positive integer');
  const L = field('L', isPositiveInteger, 'a positive integer');
  const kernel = field('kernel', tupleOf(2, isPositiveInteger), '[kH, kW] of positive integers') as unknown as readonly [number, number];
  const pads = field('pads', tupleOf(4, isNonNegativeInteger), '[top, bottom, left, right] of integers >= 0') as unknown as Pads4;
  const dilation = field('dilation', tupleOf(2, isPositiveInteger), '[dh, dw] of positive integers') as unknown as readonly [number, number];
  const groups = field('groups', isPositiveInteger, 'a positive integer');
  const bias = field('bias', isBoolean, 'true or false');
  const sparse = field('sparse', isBoolean, 'true or false');
  const mode = field('mode', (v): v is MtaMode => v === 'post' || v === 'pre', "'post' or 'pre'");
  const scale = field('scale', isFiniteNumber, 'a finite number');
  const seed = field('seed', (v): v is number => Number.isInteger(v), 'an integer');
  const nanAbove = field('nanAbove', isBoolean, 'true or false');
  const tensorTable = field('tensors', isObject, 'an object of tensors');
  if (Cin % groups !== 0 || Cout % groups !== 0) {
    throw new GoldenFormatError(`${where}: groups: expected a divisor of Cin=${Cin} and Cout=${Cout}, got ${groups}.`);
  }
  const [kH, kW] = kernel;
  const weightShape = [Cout, Cin / groups, kH, kW];
  const expectedShapes: Record<TensorName, readonly number[]> = {
    scores: [B, Cin, L, L], weight: weightShape, bias: [Cout], grad_out: [B, Cout, L, L],
    out: [B, Cout, L, L], grad_scores: [B, Cin, L, L], grad_weight: weightShape, grad_bias: [Cout],
  };
  const tensors = {} as Record<TensorName, GoldenTensor | null>;
  for (const name of TENSOR_NAMES) {
    const entry = tensorTable[name];
    const wanted = !BIAS_TENSORS.includes(name) || bias;
    if (entry === undefined) {
      if (wanted) throw new GoldenFormatError(`${where}: tensors.${name}: required tensor is missing${BIAS_TENSORS.includes(name) ? ' (the case has bias: true)' : ''}.`);
      tensors[name] = null;
      continue;
    }
    if (!wanted) throw new GoldenFormatError(`${where}: tensors.${name}: present but the case has bias: false; drop it or set bias: true.`);
    tensors[name] = parseTensor(entry, expectedShapes[name], bin, `${where}: tensors.${name}`);
  }
  for (const name of Object.keys(tensorTable)) {
    if (!TENSOR_NAMES.includes(name as TensorName)) {
      throw new GoldenFormatError(`${where}: tensors.${name}: unknown tensor (expected one of ${TENSOR_NAMES.join(', ')}).`);
    }
  }
  return {
    index, name: nameValue, B, Cin, Cout, L, kernel, pads, dilation, groups, bias, sparse, mode, scale, seed, nanAbove,
    // Every required tensor was checked above; only bias/grad_bias can be null.
    tensors: tensors as GoldenCase['tensors'],
  };
}

function parseTensor(raw: Json, expectedShape: readonly number[], bin: Buffer, at: string): GoldenTensor {
  if (!isObject(raw)) throw new GoldenFormatError(`${at}: expected an object {dtype, shape, offset, byteLength}, got ${kindOf(raw)}.`);
  const dtype = raw.dtype;
  if (dtype === undefined) throw new GoldenFormatError(`${at}.dtype: required field is missing (expected 'float32' or 'float64').`);
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new GoldenFormatError(`${at}.dtype: expected 'float32' or 'float64', got ${describeValue(dtype)} (unknown dtype).`);
  }
  const shape = raw.shape;
  if (shape === undefined) throw new GoldenFormatError(`${at}.shape: required field is missing.`);
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    throw new GoldenFormatError(`${at}.shape: expected an array of integers >= 0, got ${describeValue(shape)}.`);
  }
  const dims = shape as number[];
  if (dims.length !== expectedShape.length || dims.some((d, k) => d !== expectedShape[k])) {
    throw new GoldenFormatError(`${at}.shape: expected [${expectedShape.join(', ')}] from the case's sizes, got [${dims.join(', ')}].`);
  }
  const offset = raw.offset;
  const byteLength = raw.byteLength;
  if (offset === undefined) throw new GoldenFormatError(`${at}.offset: required field is missing.`);
  if (!isNonNegativeInteger(offset)) throw new GoldenFormatError(`${at}.offset: expected an integer >= 0, got ${describeValue(offset)}.`);
  if (byteLength === undefined) throw new GoldenFormatError(`${at}.byteLength: required field is missing.`);
  if (!isNonNegativeInteger(byteLength)) throw new GoldenFormatError(`${at}.byteLength: expected an integer >= 0, got ${describeValue(byteLength)}.`);
  const elementBytes = ELEMENT_BYTES[dtype];
  const elements = dims.reduce((a, b) => a * b, 1);
  if (byteLength !== elements * elementBytes) {
    throw new GoldenFormatError(`${at}.byteLength: expected ${elements * elementBytes} (product([${dims.join(', ')}]) = ${elements} x ${elementBytes} bytes of ${dtype}), got ${byteLength}.`);
  }
  if (offset % elementBytes !== 0) {
    throw new GoldenFormatError(`${at}.offset: expected a multiple of ${elementBytes} (${dtype} alignment), got ${offset}.`);
  }
  if (offset + byteLength > bin.length) {
    throw new GoldenFormatError(`${at}.offset: range [${offset}, ${offset + byteLength}) is out of the binary's range [0, ${bin.length}). The manifest and binary do not match.`);
  }
  return { dtype, shape: dims, data: decode(bin, offset, elements, dtype) };
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function decode(bin: Buffer, offset: number, elements: number, dtype: GoldenDType): Float32Array | Float64Array {
  const start = bin.byteOffset + offset;
  const bytes = elements * ELEMENT_BYTES[dtype];
  if (LITTLE_ENDIAN_HOST) {
    // slice copies, so the result is aligned and owns its memory whatever the Buffer's pooling.
    const copy = bin.buffer.slice(start, start + bytes);
    return dtype === 'float32' ? new Float32Array(copy) : new Float64Array(copy);
  }
  const view = new DataView(bin.buffer, start, bytes);
  const out = dtype === 'float32' ? new Float32Array(elements) : new Float64Array(elements);
  for (let k = 0; k < elements; k++) out[k] = dtype === 'float32' ? view.getFloat32(k * 4, true) : view.getFloat64(k * 8, true);
  return out;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function isBoolean(value: Json): value is boolean {
  return typeof value === 'boolean';
}
function isFiniteNumber(value: Json): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
function isPositiveInteger(value: Json): value is number {
  return Number.isInteger(value) && (value as number) >= 1;
}
function isNonNegativeInteger(value: Json): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}
function tupleOf(length: number, item: (value: Json) => boolean) {
  return (value: Json): value is Json[] => Array.isArray(value) && value.length === length && value.every(item);
}
function kindOf(value: Json | undefined): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}
function describeValue(value: Json | undefined): string {
  if (value === undefined) return 'nothing (missing)';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
