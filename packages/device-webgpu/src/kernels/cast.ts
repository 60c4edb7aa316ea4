import { Cast, registerKernel, type CastAttrs, type KernelDef } from '@mta/core';
import { runMapKernel } from './map-kernel.js';
import { gpuDtype } from './wgsl.js';

/**
 * Cast among float32, int32 and bool (and a copy within one), from strided inputs. float -> int32
 * truncates toward zero; x -> bool is x != 0 (NaN is true, as on cpu), tested on the bits for floats
 * since WGSL may assume no NaN.
 */
const castKernel: KernelDef<CastAttrs> = {
  stridedInputs: true,
  run: ({ inputs: [x], outputs: [y] }) => {
    const from = gpuDtype(x!.dtype, 'Cast');
    const to = gpuDtype(y!.dtype, 'Cast');
    let expr: string;
    if (to === 'bool') expr = from === 'float32' ? '(bitcast<u32>(v) & 0x7fffffffu) != 0u' : from === 'int32' ? 'v != 0i' : 'v != 0u';
    else if (to === 'float32') expr = 'f32(v)';
    else expr = from === 'float32' ? 'i32(trunc(v))' : 'i32(v)';
    runMapKernel('cast', [x!], y!, `  let v = in0(i);\n  return ${expr};`);
  },
};

export function registerCastKernel(): () => void {
  return registerKernel(Cast, 'webgpu', castKernel);
}
