import { cpuArena } from '@mta/device-cpu';
import { simdRowKernelModule } from './wasm-row-kernels.js';
import { f32RowModule } from './wasm-rows-f32.js';

/**
 * Which inner loops the fused cpu kernels run on this engine, for benchmarks and reports to state:
 * float32 softmax calls with 3-wide kernels use the f32x4 loops (FMA where the engine has relaxed SIMD),
 * everything else the f64x2 loops; without wasm SIMD, JavaScript loops. The f32x4 loops read and write the
 * cpu device's maps in place where they live in its arena (a shared WebAssembly.Memory).
 */
export function mtaCpuKernelInfo(): { readonly simd: string } {
  const f32 = f32RowModule();
  const f64 = simdRowKernelModule();
  if (f32 === null && f64 === null) return { simd: 'none (JavaScript loops: no wasm SIMD on this engine)' };
  const parts: string[] = [];
  const inPlace = f32 !== null && f32RowModule('shared') !== null && cpuArena.memory !== null;
  if (f32 !== null) parts.push(`wasm SIMD128 f32x4 (${f32.fma}) for float32 softmax, kW = 3${inPlace ? ', on the maps in place (shared wasm memory)' : ''}`);
  if (f64 !== null) parts.push('f64x2 otherwise');
  return { simd: parts.join('; ') };
}
