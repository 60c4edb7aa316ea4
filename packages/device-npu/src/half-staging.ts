/**
 * Moving float32 compute data between the UB and GM of any dtype: half data is staged through a half UB
 * buffer and cast, as AscendC DataCopy + Cast would (DMA never converts). Runs go through DataCopyPad
 * (`copyInPad` / `copyOutPad`), so they may start anywhere in GM and have any length; the UB side starts on
 * a 32-byte block. Loads can pad the UB side (`pad.left` elements before the data, the pad value up to the
 * end of its last block), so a kernel can keep data that does not start on a block at a block-aligned address.
 */
import { NpuAccessError } from './errors.js';
import type { DmaPadding } from './dma.js';
import type { GmBuffer } from './gm.js';
import type { KernelContext } from './sim.js';
import type { UbBuf } from './ub.js';

/** Half elements per 32-byte block: a staging chunk is whole blocks so the next cast starts on one. */
const HALF_PER_BLOCK = 16;
const F32_PER_BLOCK = 8;

function stageFor(ctx: KernelContext, gm: GmBuffer, stage: UbBuf | null): UbBuf {
  if (!stage || stage.dtype !== gm.dtype) {
    throw new NpuAccessError(`kernel '${ctx.kernel}': GM '${gm.name}' is ${gm.dtype} and needs a ${gm.dtype} staging buffer, the plan has ${stage ? stage.dtype : 'none'}`);
  }
  if (stage.elems < HALF_PER_BLOCK) {
    throw new NpuAccessError(`kernel '${ctx.kernel}': staging buffer '${stage.name}' holds ${stage.elems} elements; it needs at least one 32-byte block (${HALF_PER_BLOCK})`);
  }
  return stage;
}

/**
 * GM (any dtype) -> float32 UB: `pad.left` pad elements at dst[dstOff] (a block-aligned address), then n
 * elements from src[srcOff]; with a pad value, also the rest of the last 32-byte block of dst.
 */
export function loadF32(ctx: KernelContext, dst: UbBuf, dstOff: number, src: GmBuffer, srcOff: number, n: number, stage: UbBuf | null, pad: DmaPadding = {}): void {
  const left = pad.left ?? 0;
  if (n <= 0 && left === 0) return;
  if (src.dtype === 'float32') {
    ctx.copyInPad(dst, dstOff, src, srcOff, n, pad);
    return;
  }
  const st = stageFor(ctx, src, stage);
  const cap = Math.floor(st.elems / HALF_PER_BLOCK) * HALF_PER_BLOCK;
  let done = 0;
  let lead = left;
  let at = dstOff;
  while (done < n || lead > 0) {
    const m = Math.min(cap - lead, n - done);
    const last = done + m === n;
    ctx.copyInPad(st, 0, src, srcOff + done, m, { left: lead, ...(pad.value !== undefined ? { value: pad.value } : {}) });
    // The last chunk carries the pad value to the end of dst's block; others are whole blocks anyway.
    const count = last && pad.value !== undefined ? Math.min(Math.ceil((lead + m) / F32_PER_BLOCK) * F32_PER_BLOCK, dst.elems - at) : lead + m;
    ctx.v.cast(dst, at, st, 0, count);
    at += lead + m;
    done += m;
    lead = 0;
  }
}

/** float32 UB (from a block-aligned address) -> GM (any dtype, any address, exactly n elements, rounded to nearest even). */
export function storeF32(ctx: KernelContext, dst: GmBuffer, dstOff: number, src: UbBuf, srcOff: number, n: number, stage: UbBuf | null): void {
  if (n <= 0) return;
  if (dst.dtype === 'float32') {
    ctx.copyOutPad(dst, dstOff, src, srcOff, n);
    return;
  }
  const st = stageFor(ctx, dst, stage);
  const cap = Math.floor(st.elems / HALF_PER_BLOCK) * HALF_PER_BLOCK;
  for (let k = 0; k < n; k += cap) {
    const m = Math.min(cap, n - k);
    ctx.v.cast(st, 0, src, srcOff + k, m);
    ctx.copyOutPad(dst, dstOff + k, st, 0, m);
  }
}
