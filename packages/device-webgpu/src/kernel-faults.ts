import { WebgpuKernelError } from './errors.js';

/**
 * Faults kernels record on the GPU, where nothing can throw: word 0 counts faulting invocations, and the
 * first one (the one that found the count at 0) fills in its fault code and details; the next read of any tensor copies the words back with its
 * data, rejects with the message and clears them. So an out-of-range index is never a silent read: the
 * kernel writes zeros instead of reading, and `await tensor.data()` says what happened. A kernel also
 * records into words attached to its output (faultWgsl), so reading that output rejects every time.
 */
export const KERNEL_FAULT_WORDS = 5;

export const FAULT_INDEX_SELECT = 1;
export const FAULT_INDEX_ADD = 2;

/**
 * WGSL: two bindings, the device's fault words (`binding`) and the output's own (`binding + 1`, from
 * ComputeBatch.faultWords), and `recordFault(code, value, position, size)`, which records into both; in
 * each the first fault wins. The output's own make its read reject; the device's make the next read of
 * anything reject once, so a fault inside a model is not lost when only the loss is read.
 */
export function faultWgsl(binding: number): string {
  return `
@group(0) @binding(${binding}) var<storage, read_write> faults: array<atomic<u32>, ${KERNEL_FAULT_WORDS}>;
@group(0) @binding(${binding + 1}) var<storage, read_write> ownFaults: array<atomic<u32>, ${KERNEL_FAULT_WORDS}>;
fn recordFault(code: u32, value: i32, position: u32, size: u32) {
  if (atomicAdd(&faults[0], 1u) == 0u) {
    atomicStore(&faults[1], code); atomicStore(&faults[2], bitcast<u32>(value)); atomicStore(&faults[3], position); atomicStore(&faults[4], size);
  }
  if (atomicAdd(&ownFaults[0], 1u) == 0u) {
    atomicStore(&ownFaults[1], code); atomicStore(&ownFaults[2], bitcast<u32>(value)); atomicStore(&ownFaults[3], position); atomicStore(&ownFaults[4], size);
  }
}`;
}

/** The error a read reports for the fault words, or null when none was recorded. */
export function faultError(words: Uint32Array): WebgpuKernelError | null {
  if (words[0] === 0) return null;
  const code = words[1]!, value = words[2]! | 0, position = words[3]!, size = words[4]!;
  const what = code === FAULT_INDEX_SELECT ? 'indexSelect' : code === FAULT_INDEX_ADD ? 'indexAdd' : `kernel fault ${code}`;
  return new WebgpuKernelError(`${what} on webgpu: index ${value} at position ${position} of the indices is out of range for an axis of size ${size}; ` +
    `indices must lie in [0, ${size - 1}]. The kernel found it on the GPU and wrote zeros there; this read (of the result, or the first read of anything since) reports it`);
}
