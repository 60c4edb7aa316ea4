import { Cast, registerKernel, type CastAttrs, type KernelDef } from '@mta/core';
import { runMapKernel } from './map-kernel.js';
import { gpuStorageDtype, type GpuStorageDType } from './wgsl.js';

/**
 * Cast among float32, int32, bool and float16 (and a copy within one), from strided inputs. float -> int32
 * truncates toward zero; x -> bool is x != 0 (NaN is true, as on cpu), tested on the bits for floats
 * since WGSL may assume no NaN. float16 is a storage type (half-wgsl.ts): it decodes exactly to f32 and
 * every conversion goes through that f32; to float16 rounds to nearest even like core's codec (an int32
 * beyond 65504 is Inf either way, so going through f32 never rounds twice). float16 -> float16 copies bits.
 */
const castKernel: KernelDef<CastAttrs> = {
  stridedInputs: true,
  run: ({ inputs: [x], outputs: [y] }) => {
    const from = gpuStorageDtype(x!.dtype, 'Cast');
    const to = gpuStorageDtype(y!.dtype, 'Cast');
    runMapKernel('cast', [x!], y!, `  let v = ${from === 'float16' && to !== 'float16' ? 'halfToF32(in0(i))' : 'in0(i)'};\n  return ${castExpression(from, to)};`, '', true);
  },
};

/** The WGSL expression of `v` (the input element; a float16 input already decoded to f32 unless both are float16). */
function castExpression(from: GpuStorageDType, to: GpuStorageDType): string {
  if (from === 'float16' && to === 'float16') return 'v';
  // A float16 input arrives as f32: from here on it is a float32.
  const source = from === 'float16' ? 'float32' : from;
  if (to === 'float16') return source === 'float32' ? 'f32ToHalf(v)' : 'f32ToHalf(f32(v))';
  if (to === 'bool') return source === 'float32' ? '(bitcast<u32>(v) & 0x7fffffffu) != 0u' : source === 'int32' ? 'v != 0i' : 'v != 0u';
  if (to === 'float32') return 'f32(v)';
  return source === 'float32' ? 'i32(trunc(v))' : 'i32(v)';
}

export function registerCastKernel(): () => void {
  return registerKernel(Cast, 'webgpu', castKernel);
}
