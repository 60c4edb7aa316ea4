/**
 * Our cpu device running multiTokenAttention with impl 'auto': the fused cpu kernel when one is
 * registered, else the composite. describe() says which path actually ran (see cpu-npu-common.ts).
 */
import type { BenchBackend } from '../types';
import { createDeviceBackend } from './cpu-npu-common';

export function createCpuBackend(): BenchBackend {
  return createDeviceBackend({ device: 'cpu', impl: 'auto' });
}
