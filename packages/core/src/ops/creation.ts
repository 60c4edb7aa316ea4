import { getDevice, type DeviceLike } from '../device.js';
import { dtypeOfArray, isDType, newStorageArray, writeElement, type DType, type TypedArray } from '../dtype.js';
import { formatShape, sizeOf, validateShape, type Shape } from '../shape.js';
import { Tensor, writeTensor, type NestedArray } from '../tensor.js';

export interface CreateOptions {
  readonly dtype?: DType;
  readonly device?: DeviceLike;
  readonly requiresGrad?: boolean;
  readonly name?: string;
}

function flatten(data: NestedArray, shape: number[], out: number[], depth = 0): void {
  if (Array.isArray(data)) {
    if (shape.length <= depth) shape.push(data.length);
    else if (shape[depth] !== data.length) {
      throw new Error(`tensor(): ragged nested array: expected ${shape[depth]} elements at depth ${depth}, got ${data.length}`);
    }
    for (const d of data as readonly NestedArray[]) flatten(d, shape, out, depth + 1);
  } else {
    if (depth !== shape.length) throw new Error(`tensor(): ragged nested array: a scalar at depth ${depth}, expected depth ${shape.length}`);
    out.push(typeof data === 'boolean' ? (data ? 1 : 0) : (data as number));
  }
}

/**
 * Creates a tensor from nested arrays, a typed array (with `shape`), or a number. The default dtype is
 * the typed array's own, else float32; the default device is cpu.
 */
export function tensor(data: NestedArray | TypedArray | ArrayLike<number>, shapeOrOptions?: Shape | CreateOptions, maybeOptions?: CreateOptions): Tensor {
  const options = (Array.isArray(shapeOrOptions) ? maybeOptions : shapeOrOptions as CreateOptions | undefined) ?? {};
  const explicitShape = Array.isArray(shapeOrOptions) ? (shapeOrOptions as Shape) : undefined;
  let values: ArrayLike<number>;
  let shape: number[];
  if (typeof data === 'number' || typeof data === 'boolean' || Array.isArray(data)) {
    const flat: number[] = [];
    shape = [];
    flatten(data as NestedArray, shape, flat);
    values = flat;
  } else {
    values = data as ArrayLike<number>;
    shape = [values.length];
  }
  if (explicitShape) {
    if (sizeOf(explicitShape) !== values.length) {
      throw new Error(`tensor(): shape ${formatShape(explicitShape)} needs ${sizeOf(explicitShape)} values, got ${values.length}`);
    }
    shape = [...explicitShape];
  }
  const dtype = options.dtype ?? dtypeOfArray(values) ?? (typeof data === 'boolean' ? 'bool' : 'float32');
  if (!isDType(dtype)) throw new Error(`tensor(): unknown dtype '${String(dtype)}'`);
  const t = Tensor.empty(shape, dtype, options.device ?? 'cpu');
  // A typed array of the dtype's storage type goes to the device as it is: the device's write copies it (the
  // memory contract), so a staging copy here would only double the host traffic of a large upload.
  if (dtypeOfArray(values) === dtype) writeTensor(t, values as TypedArray);
  else {
    const host = newStorageArray(dtype, values.length);
    for (let i = 0; i < values.length; i++) writeElement(dtype, host, i, values[i]!);
    writeTensor(t, host);
  }
  if (options.requiresGrad) t.requiresGrad = true;
  if (options.name) t.name = options.name;
  return t;
}

export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  const dtype = options.dtype ?? 'float32';
  validateShape(shape, 'shape');
  const data = newStorageArray(dtype, sizeOf(shape));
  if (dtype === 'float16' || dtype === 'bfloat16') {
    writeElement(dtype, data, 0, value);
    data.fill(data[0] ?? 0);
  } else data.fill(dtype === 'bool' ? (value ? 1 : 0) : value);
  const t = Tensor.empty(shape, dtype, getDevice(options.device ?? 'cpu'));
  writeTensor(t, data);
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

export const zeros = (shape: Shape, options: CreateOptions = {}): Tensor => full(shape, 0, options);
export const ones = (shape: Shape, options: CreateOptions = {}): Tensor => full(shape, 1, options);
export const zerosLike = (t: Tensor): Tensor => full(t.shape, 0, { dtype: t.dtype, device: t.device });
export const onesLike = (t: Tensor): Tensor => full(t.shape, 1, { dtype: t.dtype, device: t.device });

export function arange(n: number, options: CreateOptions = {}): Tensor {
  return tensor(Array.from({ length: n }, (_, i) => i), [n], { dtype: 'int32', ...options });
}
