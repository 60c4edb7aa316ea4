import type { DType } from '../dtype.js';
import { encodeHalf } from '../half.js';
import { readSafetensors, writeSafetensors, type SafetensorsDType, type SafetensorsFile, type SafetensorsTensor } from '../safetensors.js';
import { writeTensor } from '../tensor.js';
import type { Module } from './module.js';
import { StateDictDTypeError, StateDictKeyError, StateDictShapeError } from './state-dict-errors.js';

/**
 * A module's parameters as a safetensors state dict, the layout PyTorch's `module.state_dict()` saves with
 * `safetensors.torch.save_file`: one tensor per parameter, keyed by its dotted path, row-major. Loading is
 * strict (every key, shape and dtype must match; nothing is converted silently), because a near-miss such
 * as a transposed or half-precision weight would otherwise load and quietly compute something else.
 * Bytes in and out, so it runs anywhere; the Node entry adds loadStateDictFile/saveStateDictFile.
 */
export interface StateDictOptions {
  /**
   * The module's key prefix inside the file (e.g. 'layers.0.attention.' when the file holds a whole model).
   * Keys outside it belong to other modules and are ignored; keys inside it must be this module's.
   */
  readonly prefix?: string;
}

export interface SaveStateDictOptions extends StateDictOptions {
  /** Strings for the header's __metadata__ (safetensors allows string values only). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The safetensors dtype code of each parameter dtype a state dict holds. */
const CODES: Partial<Record<DType, SafetensorsDType>> = { float32: 'F32', float64: 'F64', float16: 'F16', bfloat16: 'BF16' };

const WHERE_LOAD = 'loadStateDict';

/** Loads every parameter of `module` from a safetensors file's bytes (or one already read). */
export function loadStateDict(module: Module, source: Uint8Array | SafetensorsFile, options: StateDictOptions = {}): void {
  const prefix = options.prefix ?? '';
  const file = source instanceof Uint8Array ? readSafetensors(source, WHERE_LOAD) : source;
  const own = module.namedParameters();
  const ownKeys = new Set(own.map(([name]) => prefix + name));
  const fileKeys = [...file.tensors.keys()].filter((k) => k.startsWith(prefix));
  const missing = [...ownKeys].filter((k) => !file.tensors.has(k));
  const unexpected = fileKeys.filter((k) => !ownKeys.has(k));
  if (missing.length || unexpected.length) throw new StateDictKeyError(missing, unexpected, WHERE_LOAD);
  // Check everything before writing anything, so a refused file leaves the module as it was.
  for (const [name, p] of own) {
    const key = prefix + name;
    const t = file.tensors.get(key)!;
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new StateDictShapeError(key, p.shape, t.shape, WHERE_LOAD);
    }
    const expected = CODES[p.dtype] ?? p.dtype;
    if (t.dtype !== expected) throw new StateDictDTypeError(key, expected, t.dtype, WHERE_LOAD);
  }
  for (const [name, p] of own) {
    const t = file.tensors.get(prefix + name)!;
    writeTensor(p, p.dtype === 'float16' || p.dtype === 'bfloat16' ? narrow(p.dtype, t.data) : t.data);
  }
}

/** The module's parameters as safetensors bytes; float32 and float64 parameters (what modules train in). */
export function saveStateDict(module: Module, options: SaveStateDictOptions = {}): Uint8Array {
  const prefix = options.prefix ?? '';
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, p] of module.namedParameters()) {
    const data = p.toArray();
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      throw new StateDictDTypeError(prefix + name, 'float32 or float64', p.dtype, 'saveStateDict');
    }
    tensors.set(prefix + name, { shape: p.shape, data });
  }
  return writeSafetensors(tensors, options.metadata);
}

/** Half storage holds bit patterns; the reader widened them to float32, so this narrowing is exact. */
function narrow(dtype: 'float16' | 'bfloat16', data: SafetensorsTensor['data']): Uint16Array {
  const bits = new Uint16Array(data.length);
  encodeHalf(dtype, Float32Array.from(data), 0, bits, 0, data.length);
  return bits;
}
