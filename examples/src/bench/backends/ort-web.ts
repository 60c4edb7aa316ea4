/** onnxruntime-web 1.30 under Node, wasm execution provider, one thread, running the exported MTA forward. */
import type { BenchBackend } from '../types';
import { createOrtBackend } from './ort-common';

export function createOrtWebBackend(): BenchBackend {
  return createOrtBackend('ort-web');
}
