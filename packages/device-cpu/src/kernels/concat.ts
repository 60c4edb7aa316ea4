import { Concat, registerKernel, type ConcatAttrs, type KernelArgs, hostData } from '@mta/core';
import { spanSize } from '../layout.js';
import { copyRunFor } from '../copy.js';

/** Concatenation: for each outer index, each input contributes one contiguous block in turn. */
function concatKernel({ inputs, outputs: [out], attrs: { axis } }: KernelArgs<ConcatAttrs>): void {
  const O = hostData(out);
  const outer = spanSize(out.shape, 0, axis), inner = spanSize(out.shape, axis + 1);
  const blocks = inputs.map((x) => x.shape[axis] * inner);
  const copy = copyRunFor(O);
  let oi = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inputs.length; k++) {
      const x = inputs[k], block = blocks[k];
      copy(hostData(x), x.offset + o * block, O, oi, block);
      oi += block;
    }
  }
}

export function registerConcatKernels(): (() => void)[] {
  return [registerKernel(Concat, 'cpu', concatKernel)];
}
