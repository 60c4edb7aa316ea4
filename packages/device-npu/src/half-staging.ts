/**
 * Moving float32 compute data between the UB and GM of any dtype: half data is staged through a half UB
 * buffer and cast, as AscendC DataCopy + Cast would (DMA never converts).
 */
import { NpuAccessError } from './errors.js';
import type { GmBuffer } from './gm.js';
import type { KernelContext } from './sim.js';
import type { UbBuf } from './ub.js';

function stageFor(ctx: KernelContext, gm: GmBuffer, stage: UbBuf | null): UbBuf {
  if (!stage || stage.dtype !== gm.dtype) {
    throw new NpuAccessError(`kernel '${ctx.kernel}': GM '${gm.name}' is ${gm.dtype} and needs a ${gm.dtype} staging buffer, the plan has ${stage ? stage.dtype : 'none'}`);
  }
  return stage;
}

/** GM (any dtype) -> float32 UB. */
export function loadF32(ctx: KernelContext, dst: UbBuf, dstOff: number, src: GmBuffer, srcOff: number, n: number, stage: UbBuf | null): void {
  if (n <= 0) return;
  if (src.dtype === 'float32') {
    ctx.copyIn(dst, dstOff, src, srcOff, n);
    return;
  }
  const st = stageFor(ctx, src, stage);
  for (let k = 0; k < n; k += st.elems) {
    const m = Math.min(st.elems, n - k);
    ctx.copyIn(st, 0, src, srcOff + k, m);
    ctx.v.cast(dst, dstOff + k, st, 0, m);
  }
}

/** float32 UB -> GM (any dtype, rounded to nearest even). */
export function storeF32(ctx: KernelContext, dst: GmBuffer, dstOff: number, src: UbBuf, srcOff: number, n: number, stage: UbBuf | null): void {
  if (n <= 0) return;
  if (dst.dtype === 'float32') {
    ctx.copyOut(dst, dstOff, src, srcOff, n);
    return;
  }
  const st = stageFor(ctx, dst, stage);
  for (let k = 0; k < n; k += st.elems) {
    const m = Math.min(st.elems, n - k);
    ctx.v.cast(st, 0, src, srcOff + k, m);
    ctx.copyOut(dst, dstOff + k, st, 0, m);
  }
}
