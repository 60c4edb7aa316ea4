import { Contiguous, registerKernel, type KernelDef } from '@mta/core';
import { runMapKernel } from './map-kernel.js';

/**
 * Contiguous copy of a strided view: one invocation per element for 32-bit dtypes (raw words, so float32
 * copies bit-exactly); bool views are gathered a byte at a time and packed four to a word.
 */
const contiguousKernel: KernelDef<Record<string, never>> = {
  stridedInputs: true,
  run: ({ inputs: [x], outputs: [y] }) => {
    runMapKernel('contiguous', [x!], y!, y!.dtype === 'bool' ? '  return in0(i) != 0u;' : '  return in0(i);');
  },
};

export function registerContiguousKernel(): () => void {
  return registerKernel(Contiguous, 'webgpu', contiguousKernel);
}
