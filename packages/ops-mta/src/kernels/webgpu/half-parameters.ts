import type { Tensor } from '@mta/core';
import type { ComputeBatch, StorageBinding } from '@mta/device-webgpu';
import { groupsFor, narrowToHalvesShader, widenHalvesShader } from './half-passes.js';

/**
 * The weight and bias at the boundary of the MTA shaders, which read and write them in f32: a float32
 * tensor is bound as it is; a float16 one is widened into scratch (read) or summed into scratch and narrowed
 * into the tensor after the shaders (the gradients).
 */

/** The f32 binding of a weight or bias: the tensor itself, or its float16 values widened into scratch. */
export function widenedParameter(batch: ComputeBatch, t: Tensor): StorageBinding {
  if (t.dtype !== 'float16') return batch.bind(t);
  const wg = batch.context.limits.workgroupSize;
  const wide = batch.scratch(t.size * 4);
  batch.dispatch(widenHalvesShader(t.size, wg), 'mta-widen-float16', [batch.bind(t), wide], groupsFor(t.size, wg));
  return wide;
}

/**
 * Where the shaders write a weight or bias gradient: the tensor itself, or (float16) an f32 scratch that
 * `finish()` narrows into the tensor; record `finish()` after the passes that write it.
 */
export function gradientTarget(batch: ComputeBatch, t: Tensor): { readonly binding: StorageBinding; finish(): void } {
  if (t.dtype !== 'float16') return { binding: batch.bind(t), finish: () => undefined };
  const wg = batch.context.limits.workgroupSize;
  const sums = batch.scratch(t.size * 4);
  return {
    binding: sums,
    finish: () => batch.dispatch(narrowToHalvesShader(t.size, wg), 'mta-narrow-float16', [sums, batch.bind(t)], groupsFor(Math.ceil(t.size / 2), wg)),
  };
}
