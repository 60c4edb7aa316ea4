/**
 * Kernel-side helpers: allocate a kernel plan's buffers, and move float32 compute data to and from GM of
 * any dtype (half data is staged through a half UB buffer and cast, as AscendC DataCopy + Cast would).
 */
import { NpuAccessError } from '../errors.js';
import type { GmBuffer } from '../gm.js';
import type { KernelPlan } from '../plan-types.js';
import type { KernelContext } from '../sim.js';
import type { UbBuf } from '../ub.js';

/** Allocate every buffer the plan lists, exactly as sized there. */
export function allocPlanned(ctx: KernelContext, kplan: KernelPlan): Map<string, UbBuf> {
  const out = new Map<string, UbBuf>();
  for (const b of kplan.buffers) out.set(b.name, ctx.alloc(b.name, b.elems, { dtype: b.dtype, copies: b.copies }));
  return out;
}

export function need(bufs: Map<string, UbBuf>, name: string, kernel: string): UbBuf {
  const b = bufs.get(name);
  if (!b) throw new NpuAccessError(`kernel '${kernel}': its plan has no UB buffer '${name}'`);
  return b;
}

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

/** Non-negative modulo (ring slot of a possibly negative row index). */
export function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
