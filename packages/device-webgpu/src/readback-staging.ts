import { BufferUsage } from './gpu-flags.js';
import { sizeClass } from './size-class.js';

/**
 * Mappable buffers that reads copy GPU data into, kept for the next read of a similar size. Creating one
 * per read cost more than the copy itself: a new buffer is zero-filled before first use (WebGPU's rule),
 * which for a 128 MiB read on SwiftShader was ~100 ms of the ~200 ms read. Idle buffers are host-visible
 * memory, so at most `maxIdleBytes` of them are kept; a read larger than that still gets a fresh buffer.
 */
export class ReadbackStaging {
  private readonly idle = new Map<number, GPUBuffer[]>();
  private idleBytes = 0;

  constructor(readonly maxIdleBytes = 2 ** 30) {}

  /** An unmapped MAP_READ | COPY_DST buffer of at least `bytes`. */
  take(device: GPUDevice, bytes: number): GPUBuffer {
    const capacity = sizeClass(bytes) <= device.limits.maxBufferSize ? sizeClass(bytes) : Math.ceil(bytes / 4) * 4;
    const parked = this.idle.get(capacity)?.pop();
    if (parked) {
      this.idleBytes -= capacity;
      return parked;
    }
    return device.createBuffer({ size: capacity, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  }

  /** Takes back an unmapped buffer from `take`, or destroys it when keeping it would pass the cap. */
  give(buffer: GPUBuffer): void {
    if (this.idleBytes + buffer.size > this.maxIdleBytes) {
      buffer.destroy();
      return;
    }
    let parked = this.idle.get(buffer.size);
    if (!parked) this.idle.set(buffer.size, (parked = []));
    parked.push(buffer);
    this.idleBytes += buffer.size;
  }

  clear(): void {
    for (const parked of this.idle.values()) for (const b of parked) b.destroy();
    this.idle.clear();
    this.idleBytes = 0;
  }
}
