import type { MtaGeometry } from '../../geometry.js';

/**
 * Maps larger than one storage binding (maxStorageBufferBindingSize: 1 GiB on SwiftShader; B = 2, C = 4,
 * L = 8192 is 2 GiB) are processed in slabs of whole batches: every pass of MTA is independent per batch
 * except the weight gradient, which sums the slabs' partials in its final pass. The slab size divides B, so
 * every slab has the same geometry (one pipeline per pass). Sized at 4 bytes an element for float16 too: its
 * packed maps take 2, but the f32 scratch maps a float16 call keeps per slab (pre-mode C, post-mode dP) take 4.
 */
export interface BatchSlabs {
  /** Batches per slab. */
  readonly batches: number;
  /** Slabs: B / batches. */
  readonly count: number;
  /** The geometry of one slab (B = batches). */
  readonly geometry: MtaGeometry;
}

export function planBatchSlabs(g: MtaGeometry, maxBindingBytes: number): BatchSlabs {
  const bytesPerBatch = Math.max(g.Cin, g.Cout) * g.L * g.L * 4;
  const fit = Math.floor(maxBindingBytes / bytesPerBatch);
  if (fit < 1) {
    throw new Error(`webgpu MultiTokenAttention: one batch of the (B, C, L, L) maps is ${bytesPerBatch} bytes, more than this ` +
      `adapter's largest storage binding (${maxBindingBytes} bytes); use fewer channels or a shorter L, or an adapter with a larger limit`);
  }
  let batches = 1;
  for (let d = 1; d <= Math.min(g.B, fit); d++) if (g.B % d === 0) batches = d;
  return { batches, count: g.B / batches, geometry: batches === g.B ? g : { ...g, B: batches } };
}
