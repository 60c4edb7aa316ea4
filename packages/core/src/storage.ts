import { bytesPerElement, type DType, type TypedArray } from './dtype.js';
import type { Device } from './device.js';

/**
 * A device buffer shared by a tensor and its views. Reference counted: the last view's dispose() returns
 * the buffer to the device's caching allocator. Storages never disposed are accounted for by a
 * FinalizationRegistry when the garbage collector takes them.
 */
const collected = new FinalizationRegistry<{ device: Device; bytes: number }>(({ device, bytes }) => {
  device.allocator.forget(bytes);
});

export class Storage {
  private refs = 0;
  private freed = false;

  constructor(readonly device: Device, readonly dtype: DType, readonly data: TypedArray) {
    collected.register(this, { device, bytes: data.length * bytesPerElement(dtype) }, this);
  }

  static allocate(device: Device, dtype: DType, length: number, zero = false): Storage {
    device.ensureReady();
    return new Storage(device, dtype, device.allocator.alloc(dtype, length, zero));
  }

  get byteLength(): number {
    return this.data.length * bytesPerElement(this.dtype);
  }

  get isFreed(): boolean {
    return this.freed;
  }

  retain(): void {
    this.refs++;
    this.device.allocator.stats.liveTensors++;
  }

  release(): void {
    this.refs--;
    this.device.allocator.stats.liveTensors--;
    if (this.refs === 0 && !this.freed) {
      this.freed = true;
      collected.unregister(this);
      this.device.allocator.free(this.dtype, this.data);
    }
  }
}
