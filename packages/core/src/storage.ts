import type { Device } from './device.js';
import type { DeviceBuffer } from './device-memory.js';
import { bytesPerElement, type DType } from './dtype.js';

/**
 * A device buffer shared by a tensor and its views. Reference counted: the last view's dispose() gives the
 * buffer back to its device. A storage the garbage collector takes undisposed gives its buffer back too
 * and stops counting its views, so an undisposed tensor never leaks device memory or accounting.
 */
interface Lifetime {
  readonly device: Device;
  readonly buffer: DeviceBuffer;
  refs: number;
}

const collected = new FinalizationRegistry<Lifetime>((life) => {
  life.device.countTensors(-life.refs);
  life.device.memory.free(life.buffer, true);
});

export class Storage {
  private readonly life: Lifetime;
  private freed = false;

  constructor(readonly device: Device, readonly buffer: DeviceBuffer) {
    this.life = { device, buffer, refs: 0 };
    collected.register(this, this.life, this);
  }

  static allocate(device: Device, dtype: DType, length: number, zero = false): Storage {
    device.ensureReady();
    return new Storage(device, device.memory.allocate(dtype, length, zero));
  }

  get dtype(): DType {
    return this.buffer.dtype;
  }

  /** Elements in the buffer. */
  get length(): number {
    return this.buffer.length;
  }

  get byteLength(): number {
    return this.buffer.length * bytesPerElement(this.buffer.dtype);
  }

  get isFreed(): boolean {
    return this.freed;
  }

  retain(): void {
    this.life.refs++;
    this.device.countTensors(1);
  }

  release(): void {
    this.life.refs--;
    this.device.countTensors(-1);
    if (this.life.refs === 0 && !this.freed) {
      this.freed = true;
      collected.unregister(this);
      this.device.memory.free(this.buffer, false);
    }
  }
}
