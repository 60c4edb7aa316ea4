import type { Tensor } from '@mta/core';
import type { ComputeBatch, StorageBinding } from './compute-batch.js';
import { loadFn, mapInvocations, mapMain, storageDecl, workgroupsFor } from './kernels/wgsl.js';

/**
 * A float16 tensor whose first element is the upper half of a word (an odd element offset: a view such as
 * `x.slice(...)` into a map of odd size) cannot be bound or copied as it lies, since bindings and buffer
 * copies start at whole words. This records a pass into `batch` that gathers its halves into a scratch
 * buffer from element 0, two to a word (each invocation owns one whole output word), and returns that.
 */
export function realignedHalves(batch: ComputeBatch, t: Tensor): StorageBinding {
  const wg = batch.context.limits.workgroupSize;
  const wgsl = `
${storageDecl(0, 'x', 'float16', 'read')}
${storageDecl(1, 'y', 'float16', 'read_write')}
${loadFn('load', 'x', 'float16')}
fn value(i: u32) -> u32 { return load(${t.offset}u + i); }
${mapMain(wg, t.size, 'float16')}`;
  const copy = batch.scratch(Math.ceil(t.size / 2) * 4);
  batch.dispatch(wgsl, 'realign-float16', [batch.bindStorage(t), copy], workgroupsFor(mapInvocations(t.size, 'float16'), wg));
  return copy;
}
