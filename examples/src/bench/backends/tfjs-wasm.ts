/** TensorFlow.js 4.22 wasm backend (XNNPACK, SIMD, one thread under Node): the reference peer. */
import type { BenchBackend } from '../types';
import { createTfjsBackend } from './tfjs-common';

export function createTfjsWasmBackend(): BenchBackend {
  return createTfjsBackend('wasm');
}
