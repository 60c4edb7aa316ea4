import {
  Cast, fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits, registerKernel,
  type CastAttrs, type KernelArgs, hostData } from '@mta/core';

/**
 * dtype conversion. Plain numeric targets convert like typed-array assignment (float -> int32 truncates
 * toward zero); bool is `value !== 0` (NaN is true, as in NumPy); half types encode with round to nearest
 * even through core's bit helpers. Float64 sources reach half types through float32, so a value exactly
 * between two halves after that first rounding can round differently from a direct conversion.
 */
function castKernel({ inputs: [x], outputs: [out] }: KernelArgs<CastAttrs>): void {
  const src = hostData(x), dst = hostData(out);
  const n = out.size, base = x.offset;
  const from = x.dtype, to = out.dtype;
  if (from === to) {
    for (let i = 0; i < n; i++) dst[i] = src[base + i];
    return;
  }
  if (from === 'float16' || from === 'bfloat16') {
    const decode = from === 'float16';
    // Decode half sources first; the switch below then sees ordinary values.
    if (to === 'bool') {
      for (let i = 0; i < n; i++) { const v = decode ? fromFloat16Bits(src[base + i]) : fromBfloat16Bits(src[base + i]); dst[i] = v !== 0 ? 1 : 0; }
    } else if (to === 'float16') {
      for (let i = 0; i < n; i++) dst[i] = toFloat16Bits(fromBfloat16Bits(src[base + i]));
    } else if (to === 'bfloat16') {
      for (let i = 0; i < n; i++) dst[i] = toBfloat16Bits(fromFloat16Bits(src[base + i]));
    } else if (decode) {
      for (let i = 0; i < n; i++) dst[i] = fromFloat16Bits(src[base + i]);
    } else {
      for (let i = 0; i < n; i++) dst[i] = fromBfloat16Bits(src[base + i]);
    }
    return;
  }
  switch (to) {
    case 'float16': for (let i = 0; i < n; i++) dst[i] = toFloat16Bits(src[base + i]); return;
    case 'bfloat16': for (let i = 0; i < n; i++) dst[i] = toBfloat16Bits(src[base + i]); return;
    case 'bool': for (let i = 0; i < n; i++) dst[i] = src[base + i] !== 0 ? 1 : 0; return;
    default: for (let i = 0; i < n; i++) dst[i] = src[base + i]; return;
  }
}

export function registerCastKernels(): (() => void)[] {
  return [registerKernel(Cast, 'cpu', castKernel)];
}
