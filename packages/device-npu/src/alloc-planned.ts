/**
 * Kernel side of a UB tiling: allocate exactly the buffers a plan sized (so the plan's bytes are the bytes
 * the allocator reserves), and look them up by name with an error that names the kernel.
 */
import { NpuAccessError } from './errors.js';
import type { KernelContext } from './sim.js';
import type { UbBuf } from './ub.js';
import type { PlannedBuffer } from './ub-tiling.js';

/** Allocate every planned buffer, exactly as sized there. */
export function allocPlanned(ctx: KernelContext, buffers: readonly PlannedBuffer[]): Map<string, UbBuf> {
  const out = new Map<string, UbBuf>();
  for (const b of buffers) out.set(b.name, ctx.alloc(b.name, b.elems, { dtype: b.dtype, copies: b.copies }));
  return out;
}

/** The allocated buffer `name`, or an error naming the kernel whose plan lacks it. */
export function plannedBuffer(bufs: ReadonlyMap<string, UbBuf>, name: string, kernel: string): UbBuf {
  const b = bufs.get(name);
  if (!b) throw new NpuAccessError(`kernel '${kernel}': its plan has no UB buffer '${name}'`);
  return b;
}
