import { Tensor } from '../tensor.js';

/** Axis index -> dim_param name, e.g. `{ 0: 'batch', 2: 'L', 3: 'L' }`. Axes may be negative (from the end). */
export type DynamicAxes = Readonly<Record<number, string>>;

/** The element type of the exported model's float inputs, outputs and parameters. */
export type ExportPrecision = 'float32' | 'float16';

export interface ExportOptions {
  readonly inputNames?: readonly string[];
  readonly outputNames?: readonly string[];
  /** Names for tensors that should become named initializers (a module's parameters). */
  readonly parameters?: ReadonlyMap<Tensor, string> | readonly (readonly [string, Tensor])[];
  /** Shorthand for `{ 0: 'batch' }` on every input. */
  readonly dynamicBatch?: boolean;
  /**
   * Dynamic axes by input (or output) name, as in PyTorch's `dynamic_axes`: the named axes get a
   * dim_param and the graph computes everything that depends on them from runtime shapes. Output axes
   * not listed are found by tracing again at other sizes. Default: the module's `onnxDynamicAxes`, if any
   * (pass `{}` for a model with every axis static).
   */
  readonly dynamicAxes?: Readonly<Record<string, DynamicAxes>>;
  /** 'float16' stores float inputs, outputs and parameters as float16 and computes in float32 (Cast nodes). */
  readonly precision?: ExportPrecision;
  readonly graphName?: string;
  /** Also write the model to this path (Node only: elsewhere the option is an error). */
  readonly file?: string;
}

/** Thrown for an unknown option or a bad option value; the message names the option and what it accepts. */
export class ExportOptionError extends TypeError {
  override readonly name = 'ExportOptionError';
}

const KNOWN_OPTIONS: readonly (keyof ExportOptions)[] = [
  'inputNames', 'outputNames', 'parameters', 'dynamicBatch', 'dynamicAxes', 'precision', 'graphName', 'file',
];

const PRECISIONS: readonly ExportPrecision[] = ['float32', 'float16'];

function fail(option: string, expected: string, got: unknown): never {
  const shown = typeof got === 'string' ? `'${got}'` : Array.isArray(got) ? `[${got.map(String).join(', ')}]` : String(got);
  throw new ExportOptionError(`exportOnnx: option '${option}' must be ${expected}, got ${shown}`);
}

function checkNames(option: string, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.some((n) => typeof n !== 'string' || n === '')) fail(option, 'an array of non-empty strings', value);
  const names = value as string[];
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) fail(option, 'an array of distinct names', value);
}

/**
 * Checks every option before tracing: an option that is misspelt or has a wrong value would otherwise be
 * ignored silently (a model with static axes when the caller asked for dynamic ones).
 */
export function validateExportOptions(options: unknown): ExportOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) fail('options', 'an object', options);
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(KNOWN_OPTIONS as readonly string[]).includes(key)) {
      throw new ExportOptionError(`exportOnnx: unknown option '${key}'; known options: ${KNOWN_OPTIONS.join(', ')}`);
    }
  }
  checkNames('inputNames', record.inputNames);
  checkNames('outputNames', record.outputNames);
  const { parameters, dynamicBatch, dynamicAxes, precision, graphName, file } = record;
  if (parameters !== undefined) {
    const entries = parameters instanceof Map ? [...parameters.entries()].map(([t, n]) => [n, t]) : parameters;
    const isEntry = (e: unknown): boolean => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && e[0] !== '' && e[1] instanceof Tensor;
    if (!Array.isArray(entries) || !entries.every(isEntry)) {
      fail('parameters', 'a Map<Tensor, string> or an array of [name, Tensor] pairs', parameters);
    }
  }
  if (dynamicBatch !== undefined && typeof dynamicBatch !== 'boolean') fail('dynamicBatch', 'a boolean', dynamicBatch);
  if (dynamicAxes !== undefined) {
    if (typeof dynamicAxes !== 'object' || dynamicAxes === null || Array.isArray(dynamicAxes)) {
      fail('dynamicAxes', "an object of axis maps by input name, e.g. { scores: { 0: 'batch', 2: 'L', 3: 'L' } }", dynamicAxes);
    }
    for (const [name, axes] of Object.entries(dynamicAxes)) {
      if (typeof axes !== 'object' || axes === null || Array.isArray(axes)) fail(`dynamicAxes.${name}`, "an object { axis: 'name' }", axes);
      for (const [axis, dim] of Object.entries(axes)) {
        if (!/^-?\d+$/.test(axis)) fail(`dynamicAxes.${name}`, 'keyed by integer axes', axis);
        if (typeof dim !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(dim)) fail(`dynamicAxes.${name}[${axis}]`, 'an identifier (the dim_param name)', dim);
      }
    }
  }
  if (precision !== undefined && !(PRECISIONS as readonly unknown[]).includes(precision)) fail('precision', `one of ${PRECISIONS.join(', ')}`, precision);
  if (graphName !== undefined && (typeof graphName !== 'string' || graphName === '')) fail('graphName', 'a non-empty string', graphName);
  if (file !== undefined && (typeof file !== 'string' || file === '')) fail('file', 'a non-empty path', file);
  return record as ExportOptions;
}
