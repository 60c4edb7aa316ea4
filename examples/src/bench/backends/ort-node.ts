/** onnxruntime-node 1.30, CPU execution provider, running the exported MTA forward. */
import type { BenchBackend } from '../types';
import { createOrtBackend } from './ort-common';

export function createOrtNodeBackend(): BenchBackend {
  return createOrtBackend('ort-node');
}
