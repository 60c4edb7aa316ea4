import { Contiguous, registerKernel, type KernelDef } from '@mta/core';
import { runMapKernel } from './map-kernel.js';

/**
 * Contiguous copy of a strided view: one invocation per element for 32-bit dtypes (raw words, so float32
 * copies bit-exactly); bool views are gathered a byte at a time and packed four to a word, float16 views
 * as their 16 bits, two to a word (so a float16 input of another kernel can be made contiguous on the GPU).
 */
const contiguousKernel: KernelDef<Record<string, never>> = {
  stridedInputs: true,
  run: ({ inputs: [x], outputs: [y] }) => {
    runMapKernel('contiguous', [x!], y!, y!.dtype === 'bool' ? '  return in0(i) != 0u;' : '  return in0(i);', '', true);
  },
};

export function registerContiguousKernel(): () => void {
  return registerKernel(Contiguous, 'webgpu', contiguousKernel);
}
