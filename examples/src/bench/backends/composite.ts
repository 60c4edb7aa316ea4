/** Our cpu device running the composite reference path of multiTokenAttention (core primitives only). */
import type { BenchBackend } from '../types';
import { createDeviceBackend } from './cpu-npu-common';

export function createCompositeBackend(): BenchBackend {
  return createDeviceBackend({ device: 'cpu', impl: 'composite' });
}
