import ndarray, { type NdArray, type Data } from 'ndarray';
import { dtypeOfArray, type TypedArray } from './dtype.js';
import { formatShape } from './shape.js';
import { Tensor } from './tensor.js';
import { tensor, type CreateOptions } from './ops/creation.js';

/**
 * scijs ndarray interop. Both directions share the layout model (shape, stride, offset), so toNdarray
 * is a view of a host copy and fromNdarray honours arbitrary strides.
 */
export function toNdarray(t: Tensor): NdArray<TypedArray> {
  return ndarray(t.toArray(), [...t.shape]);
}

export function fromNdarray(a: NdArray<Data<number>>, options: CreateOptions = {}): Tensor {
  const n = a.size;
  const values = new Float64Array(n);
  const shape = a.shape;
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    values[i] = a.get(...idx);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  const native = dtypeOfArray(a.data as ArrayLike<number>);
  if (a.dimension === 0) throw new Error(`fromNdarray: 0-d ndarrays are not supported, got shape ${formatShape(shape)}`);
  return tensor(values, shape, { dtype: native ?? 'float32', ...options });
}
