import { bytesPerElement, type Tensor } from '@mta/core';
import type { WebgpuContext } from './context.js';
import { BufferUsage } from './gpu-flags.js';
import { GpuBuffer } from './gpu-memory.js';
import { realignedHalves } from './half-realign.js';
import { KERNEL_FAULT_WORDS } from './kernel-faults.js';
import type { BatchPassTimes } from './pass-timer.js';

/** A storage binding: a whole buffer or a byte range of one. */
export type StorageBinding = GPUBufferBinding;

/**
 * Dispatches recorded into one command encoder and submitted together (one `queue.submit` per kernel
 * call). Scratch buffers taken with `scratch` go back to the pool after the submit: later work on them is
 * queue-ordered after this batch.
 */
export class ComputeBatch {
  private readonly encoder: GPUCommandEncoder;
  private readonly scratchBuffers: GPUBuffer[] = [];
  private submitted = false;
  /**
   * The compute pass dispatches are recorded into, kept open across dispatches: beginning a pass cost ~40 us
   * of JavaScript each in Dawn for Node (SwiftShader host, timed per dispatch), more than the rest of the
   * dispatch's encoding together. Dispatches of one pass still run in order, each one's writes visible to
   * the next (WebGPU's usage scope is the dispatch). Ended before any command outside a pass (copies,
   * clears) and at submit; while passes are timed, every dispatch gets a pass of its own for its timestamps.
   */
  private openPass: GPUComputePassEncoder | null = null;
  /** Timestamps of each pass, while the context times passes (see pass-timer.ts). */
  private readonly passTimes: BatchPassTimes | null;

  constructor(readonly context: WebgpuContext) {
    this.encoder = context.device.createCommandEncoder();
    this.passTimes = context.passTimer?.begin() ?? null;
  }

  /** Records one dispatch of `wgsl` (entry point `main`, bindings 0..n-1 of group 0 in order). */
  dispatch(wgsl: string, label: string, bindings: readonly StorageBinding[], workgroups: number): void {
    const pipeline = this.context.pipeline(wgsl, label);
    const bindGroup = this.context.bindGroups.get(pipeline, bindings);
    const timestampWrites = this.passTimes?.writes(label);
    let pass: GPUComputePassEncoder;
    if (timestampWrites) {
      this.endPass();
      pass = this.encoder.beginComputePass({ label, timestampWrites });
    } else {
      pass = this.openPass ??= this.encoder.beginComputePass();
    }
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const [x, y, z] = this.context.grid(workgroups);
    pass.dispatchWorkgroups(x, y, z);
    if (timestampWrites) pass.end();
  }

  /** Ends the open compute pass, before a command that cannot be recorded inside one. */
  private endPass(): void {
    this.openPass?.end();
    this.openPass = null;
  }

  /** A scratch buffer of at least `bytes` for this batch, returned to the pool after the submit. */
  scratch(bytes: number): StorageBinding {
    this.checkBindable(bytes, 'a scratch buffer');
    const buffer = this.context.memory.acquire(Math.max(4, bytes));
    this.scratchBuffers.push(buffer);
    return { buffer, offset: 0, size: Math.ceil(Math.max(4, bytes) / 4) * 4 };
  }

  /**
   * The binding of a tensor's elements. A binding offset must be a multiple of the adapter's alignment
   * (256 bytes, typically); a tensor starting elsewhere in its buffer is copied to scratch first (a float16
   * one starting mid-word by a shader: half-realign.ts).
   */
  bind(t: Tensor): StorageBinding {
    const buffer = t.storage.buffer;
    if (!(buffer instanceof GpuBuffer)) {
      throw new Error(`webgpu kernel: ${t.describe()} is not in webgpu memory; move it with \`await tensor.toAsync('webgpu')\``);
    }
    const bytesPer = bytesPerElement(buffer.dtype);
    const offset = t.offset * bytesPer;
    const size = Math.max(4, Math.ceil((t.size * bytesPer) / 4) * 4);
    this.checkBindable(size, t.describe());
    if (offset % 4 !== 0 && buffer.dtype === 'float16') return realignedHalves(this, t);
    if (offset % this.context.limits.storageOffsetAlignment === 0) return { buffer: buffer.gpuBuffer, offset, size };
    const copy = this.scratch(size);
    this.endPass();
    this.encoder.copyBufferToBuffer(buffer.gpuBuffer, offset, copy.buffer, 0, size);
    return copy;
  }

  /**
   * The binding of a small tensor as a uniform buffer of vec4s (its size rounded up to 16 bytes), or null
   * where it cannot be one (larger than the adapter's uniform limit, or starting at an offset a uniform
   * binding cannot): the kernel then reads it as storage. Uniform reads that every invocation makes alike
   * (a convolution's weights) go through the GPU's constant path instead of a load each.
   */
  bindUniform(t: Tensor): StorageBinding | null {
    const buffer = t.storage.buffer;
    if (!(buffer instanceof GpuBuffer)) return null;
    const bytesPer = bytesPerElement(buffer.dtype);
    const offset = t.offset * bytesPer;
    const size = Math.ceil((t.size * bytesPer) / 16) * 16;
    const limits = this.context.device.limits;
    if (size === 0 || size > limits.maxUniformBufferBindingSize || offset % limits.minUniformBufferOffsetAlignment !== 0 || offset + size > buffer.capacity ||
      (buffer.gpuBuffer.usage & BufferUsage.UNIFORM) === 0) return null;
    return { buffer: buffer.gpuBuffer, offset, size };
  }

  /**
   * A tensor's elements as `parts` consecutive equal bindings: how a kernel splits a map larger than one
   * storage binding (by batch). Each part must start at an aligned offset and fit one binding.
   */
  bindParts(t: Tensor, parts: number): StorageBinding[] {
    if (parts === 1) return [this.bind(t)];
    const buffer = t.storage.buffer;
    if (!(buffer instanceof GpuBuffer)) {
      throw new Error(`webgpu kernel: ${t.describe()} is not in webgpu memory; move it with \`await tensor.toAsync('webgpu')\``);
    }
    const bytesPer = bytesPerElement(buffer.dtype);
    const start = t.offset * bytesPer;
    const partBytes = (t.size / parts) * bytesPer;
    const align = this.context.limits.storageOffsetAlignment;
    if (!Number.isInteger(t.size / parts) || start % align !== 0 || partBytes % align !== 0) {
      throw new Error(`webgpu kernel: ${t.describe()} is split into ${parts} bindings of ${partBytes} bytes from byte ${start}, ` +
        `but bindings must start at multiples of ${align} bytes: use a size whose per-batch map is a multiple of ${align} bytes`);
    }
    this.checkBindable(partBytes, `one part of ${t.describe()}`);
    return Array.from({ length: parts }, (_, k) => ({ buffer: buffer.gpuBuffer, offset: start + k * partBytes, size: partBytes }));
  }

  /**
   * Zeroed fault words for a kernel that checks its input, attached to its output `t` (reading `t` then
   * reports a fault; see kernel-faults.ts). They live as long as the output's buffer.
   */
  faultWords(t: Tensor): StorageBinding {
    const target = t.storage.buffer;
    if (!(target instanceof GpuBuffer)) throw new Error(`webgpu kernel: ${t.describe()} is not in webgpu memory`);
    if (!target.faults) target.faults = this.context.memory.acquire(KERNEL_FAULT_WORDS * 4);
    this.endPass();
    this.encoder.clearBuffer(target.faults);
    return { buffer: target.faults, offset: 0, size: KERNEL_FAULT_WORDS * 4 };
  }

  /** A byte range of a binding (both 4-byte aligned; the offset aligned for binding). */
  static range(of: StorageBinding, offset: number, size: number): StorageBinding {
    return { buffer: of.buffer, offset: (of.offset ?? 0) + offset, size };
  }

  /** The whole buffer of a tensor, from byte 0: for kernels that index it with the tensor's offset and strides. */
  bindStorage(t: Tensor): StorageBinding {
    const buffer = t.storage.buffer;
    if (!(buffer instanceof GpuBuffer)) {
      throw new Error(`webgpu kernel: ${t.describe()} is not in webgpu memory; move it with \`await tensor.toAsync('webgpu')\``);
    }
    const size = Math.min(buffer.capacity, this.context.limits.maxStorageBindingBytes);
    this.checkBindable(buffer.byteLength, t.describe());
    return { buffer: buffer.gpuBuffer, offset: 0, size };
  }

  /** A binding larger than the adapter allows would fail on the GPU timeline; say so here, with the sizes. */
  private checkBindable(bytes: number, what: string): void {
    const limit = this.context.limits.maxStorageBindingBytes;
    if (bytes > limit) {
      throw new Error(`webgpu kernel: ${what} spans ${bytes} bytes, more than this adapter's largest storage binding ` +
        `(maxStorageBufferBindingSize = ${limit} bytes); split the call (a smaller batch) or use an adapter with a larger limit`);
    }
  }

  submit(): void {
    if (this.submitted) throw new Error('webgpu: a compute batch was submitted twice');
    this.submitted = true;
    this.endPass();
    const readTimes = this.passTimes?.resolve(this.encoder) ?? null;
    this.context.device.queue.submit([this.encoder.finish()]);
    readTimes?.();
    for (const b of this.scratchBuffers) this.context.memory.release(b);
  }
}
