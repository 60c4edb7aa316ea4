import { cpuArena } from '@mta/device-cpu';
import type { MtaArray } from './types.js';

export type MtaDType = 'float32' | 'float64';

export interface AllocateOptions {
  /** Back the array with a SharedArrayBuffer so pool workers can read and write it without copies. */
  readonly shared?: boolean;
}

export function allocateMtaArray(dtype: 'float32', length: number, options?: AllocateOptions): Float32Array;
export function allocateMtaArray(dtype: 'float64', length: number, options?: AllocateOptions): Float64Array;
export function allocateMtaArray(dtype: MtaDType, length: number, options?: AllocateOptions): MtaArray;
export function allocateMtaArray(dtype: MtaDType, length: number, options: AllocateOptions = {}): MtaArray {
  const bytes = length * (dtype === 'float32' ? 4 : 8);
  const buffer = options.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  return dtype === 'float32' ? new Float32Array(buffer) : new Float64Array(buffer);
}

export function dtypeOf(array: MtaArray): MtaDType {
  return array instanceof Float32Array ? 'float32' : 'float64';
}

/** A new array of the same element type as `like`. */
export function allocateLike<T extends MtaArray>(like: T, length: number, shared: boolean): T {
  return allocateMtaArray(dtypeOf(like), length, { shared }) as T;
}

export function isShared(array: MtaArray): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && array.buffer instanceof SharedArrayBuffer;
}

/** True when the two arrays share any bytes (arena views of one memory may sit on different buffer objects). */
export function overlaps(a: MtaArray, b: MtaArray): boolean {
  if (a.buffer !== b.buffer && !(cpuArena.owns(a) && cpuArena.owns(b))) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}
