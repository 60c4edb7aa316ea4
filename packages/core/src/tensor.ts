import { getDevice, type Device, type DeviceLike } from './device.js';
import { readElement, type DType, type TypedArray, newStorageArray } from './dtype.js';
import { contiguousStrides, formatShape, sizeOf, validateShape, type Shape } from './shape.js';
import { Storage } from './storage.js';
import { trackTensor, untrackTensor } from './scope.js';
import type { TapeNode } from './tape.js';

let nextId = 1;

export type NestedArray = number | boolean | readonly NestedArray[];

/**
 * The tensor methods that are ops. They live in the ops modules, which install them here at load (as
 * tfjs's `setOpHandler` does), so that this module imports no op and core has no import circle.
 */
export interface TensorOps {
  reshape(x: Tensor, shape: Shape): Tensor;
  permute(x: Tensor, axes: readonly number[]): Tensor;
  transpose(x: Tensor, a: number, b: number): Tensor;
  slice(x: Tensor, starts: readonly number[], ends?: readonly (number | undefined)[]): Tensor;
  expand(x: Tensor, shape: Shape): Tensor;
  contiguous(x: Tensor): Tensor;
  to(x: Tensor, device: Device): Tensor;
  toAsync(x: Tensor, device: Device): Promise<Tensor>;
  cast(x: Tensor, dtype: DType): Tensor;
  backward(x: Tensor, grad?: Tensor): void;
}

let tensorOps: TensorOps | null = null;

export function installTensorOps(ops: TensorOps): void {
  tensorOps = ops;
}

function ops(): TensorOps {
  if (!tensorOps) throw new Error('tensor methods are not installed: import from \'@mta/core\' (its index installs them), not from a core module directly');
  return tensorOps;
}

/**
 * An n-dimensional strided view of a device storage. Views (reshape, permute, slice, expand) share the
 * storage; `contiguous()` copies only when the layout needs it.
 */
export class Tensor {
  readonly isTensor = true;
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly storage: Storage;
  requiresGrad = false;
  /** Accumulated gradient of a leaf after backward(). */
  grad: Tensor | null = null;
  /** The tape node that produced this tensor, when it was recorded. */
  gradFn: TapeNode | null = null;
  /** A human name (parameters, traced inputs); used in messages and ONNX export. */
  name?: string;
  private disposed = false;

  constructor(storage: Storage, shape: Shape, strides?: Shape, offset = 0) {
    this.storage = storage;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(strides ? [...strides] : contiguousStrides(shape));
    this.offset = offset;
    storage.retain();
    trackTensor(this);
  }

  /** Allocates an uninitialised contiguous tensor on a device (contents are whatever the pool held). */
  static empty(shape: Shape, dtype: DType, device: DeviceLike, zero = false): Tensor {
    validateShape(shape, 'shape');
    return new Tensor(Storage.allocate(getDevice(device), dtype, sizeOf(shape), zero), shape);
  }

  get dtype(): DType { return this.storage.dtype; }
  get device(): Device { return this.storage.device; }
  get ndim(): number { return this.shape.length; }
  get size(): number { return sizeOf(this.shape); }
  get isDisposed(): boolean { return this.disposed; }

  get isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expected) return false;
      expected *= this.shape[i]!;
    }
    return true;
  }

  /** Throws when the tensor was disposed; every op calls it on its inputs. */
  assertAlive(what = 'tensor'): void {
    if (this.disposed || this.storage.isFreed) {
      throw new Error(`${what} ${this.describe()} was disposed: keep() it or move the work inside the tidy() that created it`);
    }
  }

  describe(): string {
    return `${this.name ? `'${this.name}' ` : ''}(${formatShape(this.shape)}, ${this.dtype}, ${this.device.name})`;
  }

  toString(): string {
    return `Tensor${this.describe()}`;
  }

  // ---- host access -------------------------------------------------------

  /**
   * The elements in row-major order, as a fresh typed array of the storage dtype, read synchronously.
   * Devices whose memory is not host-visible cannot answer synchronously: use `await tensor.data()`.
   */
  toArray(): TypedArray {
    this.assertAlive();
    const memory = this.device.memory;
    if (!memory.readSync) {
      throw new Error(`${this.describe()}: device '${this.device.name}' reads its memory asynchronously; ` +
        `use \`await tensor.data()\` (toArray(), toNumbers() and item() read synchronously)`);
    }
    const [start, span] = this.extent();
    return this.gather(memory.readSync(this.storage.buffer, start, span), start);
  }

  /** The elements in row-major order, as a fresh typed array of the storage dtype. Works on every device. */
  async data(): Promise<TypedArray> {
    this.assertAlive();
    const [start, span] = this.extent();
    return this.gather(await this.device.memory.read(this.storage.buffer, start, span), start);
  }

  /** The range of storage elements this view touches: [first, count]. */
  private extent(): [number, number] {
    if (this.size === 0) return [this.offset, 0];
    let last = this.offset;
    this.shape.forEach((n, d) => { last += (n - 1) * this.strides[d]!; });
    return [this.offset, last - this.offset + 1];
  }

  /** Row-major elements of this view from a host copy of its extent (which starts at storage element `start`). */
  private gather(host: TypedArray, start: number): TypedArray {
    const n = this.size;
    if (this.isContiguous) return host.length === n ? host : host.slice(0, n);
    const out = newStorageArray(this.dtype, n);
    const { shape, strides } = this;
    const nd = shape.length;
    const idx = new Array<number>(nd).fill(0);
    let off = this.offset - start;
    for (let i = 0; i < n; i++) {
      out[i] = host[off]!;
      for (let d = nd - 1; d >= 0; d--) {
        idx[d]!++;
        off += strides[d]!;
        if (idx[d]! < shape[d]!) break;
        off -= strides[d]! * shape[d]!;
        idx[d] = 0;
      }
    }
    return out;
  }

  /** Elements as plain numbers (half-precision decoded). */
  toNumbers(): number[] {
    const a = this.toArray();
    return Array.from({ length: a.length }, (_, i) => readElement(this.dtype, a, i));
  }

  /** toNumbers() through the asynchronous read every device has (GPU memory cannot answer synchronously). */
  async numbers(): Promise<number[]> {
    const a = await this.data();
    return Array.from({ length: a.length }, (_, i) => readElement(this.dtype, a, i));
  }

  /** Nested arrays mirroring the shape (booleans for bool tensors). */
  toNested(): NestedArray {
    const flat = this.toNumbers();
    const asValue = (v: number): number | boolean => (this.dtype === 'bool' ? v !== 0 : v);
    if (this.ndim === 0) return asValue(flat[0]!);
    const build = (dim: number, start: number): NestedArray[] => {
      const step = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim]! }, (_, i) =>
        dim === this.ndim - 1 ? asValue(flat[start + i]!) : build(dim + 1, start + i * step));
    };
    return build(0, 0);
  }

  item(): number {
    if (this.size !== 1) throw new Error(`item() needs a tensor with one element, got shape ${formatShape(this.shape)}`);
    return this.toNumbers()[0]!;
  }

  // ---- views and moves ---------------------------------------------------

  reshape(shape: Shape): Tensor { return ops().reshape(this, shape); }
  permute(axes: readonly number[]): Tensor { return ops().permute(this, axes); }
  transpose(a = -2, b = -1): Tensor { return ops().transpose(this, a, b); }
  slice(starts: readonly number[], ends?: readonly (number | undefined)[]): Tensor { return ops().slice(this, starts, ends); }
  expand(shape: Shape): Tensor { return ops().expand(this, shape); }
  contiguous(): Tensor { return ops().contiguous(this); }
  to(device: DeviceLike): Tensor { return ops().to(this, getDevice(device)); }
  /** `to()` for every source device: reads devices without synchronous reads (GPUs) asynchronously. */
  toAsync(device: DeviceLike): Promise<Tensor> { return ops().toAsync(this, getDevice(device)); }
  cast(dtype: DType): Tensor { return ops().cast(this, dtype); }

  /** A tensor sharing this storage, cut from the tape. */
  detach(): Tensor {
    this.assertAlive();
    return new Tensor(this.storage, this.shape, this.strides, this.offset);
  }

  // ---- autograd ----------------------------------------------------------

  setRequiresGrad(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }

  backward(grad?: Tensor): void {
    ops().backward(this, grad);
  }

  // ---- memory ------------------------------------------------------------

  /** Excludes this tensor from the enclosing tidy() scopes. */
  keep(): this {
    untrackTensor(this);
    return this;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    untrackTensor(this);
    this.storage.release();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

/**
 * Writes host elements (the dtype's storage array) into a contiguous tensor through its device's memory:
 * how core and host code fill tensors on any device.
 */
export function writeTensor(t: Tensor, values: TypedArray): void {
  t.assertAlive();
  if (!t.isContiguous) throw new Error(`writeTensor: ${t.describe()} is a strided view; write into a contiguous tensor`);
  if (values.length !== t.size) throw new Error(`writeTensor: ${t.describe()} has ${t.size} elements, got ${values.length} values`);
  t.device.memory.write(t.storage.buffer, t.offset, values);
}
