/** TensorFlow.js 4.22 cpu backend (plain JavaScript kernels): a slow second peer. */
import type { BenchBackend } from '../types';
import { createTfjsBackend } from './tfjs-common';

export function createTfjsCpuBackend(): BenchBackend {
  return createTfjsBackend('cpu');
}
