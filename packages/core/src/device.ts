import type { DeviceMemory, MemoryCounters } from './device-memory.js';
import { HostMemory } from './host-memory.js';

/**
 * A device: a name, the memory it owns, a fallback policy and a lazily run initialiser. Devices live on
 * tensors; there is no global "current device". A third-party package adds one with `registerDevice` and
 * registers kernels for it, without touching core.
 */
export type Availability = { readonly available: true } | { readonly available: false; readonly reason: string };

export interface DeviceOptions {
  readonly name: string;
  /** Runs once, before the first tensor is allocated on the device. May be async (see `initDevice`). */
  readonly init?: () => void | Promise<void>;
  /** Whether the device can run here; unavailable devices refuse allocations with the reason. */
  readonly availability?: () => Availability;
  /** Where the device's tensors live (default: host typed arrays behind a caching allocator). */
  readonly memory?: DeviceMemory;
  /**
   * What to do with an op the device has no kernel for: 'cpu' runs it on the cpu device (inputs copied
   * there and back, counted, announced once); 'error' (the default) throws an error naming the op.
   */
  readonly fallback?: FallbackPolicy;
  readonly description?: string;
}

export type FallbackPolicy = 'cpu' | 'error';

/** What `device.memoryStats()` reports: the memory's byte counters and core's count of live tensors. */
export interface MemoryStats extends MemoryCounters {
  /** Tensors alive on the device (views count separately). */
  readonly liveTensors: number;
}

export class Device {
  readonly name: string;
  readonly description: string;
  readonly memory: DeviceMemory;
  readonly fallback: FallbackPolicy;
  private liveTensors = 0;
  private readonly initFn?: () => void | Promise<void>;
  private readonly availabilityFn?: () => Availability;
  private initState: 'pending' | 'running' | 'done' = 'pending';
  private initPromise?: Promise<void>;

  constructor(options: DeviceOptions) {
    this.name = options.name;
    this.description = options.description ?? options.name;
    this.memory = options.memory ?? new HostMemory();
    this.fallback = options.fallback ?? 'error';
    this.initFn = options.init;
    this.availabilityFn = options.availability;
  }

  availability(): Availability {
    return this.availabilityFn?.() ?? { available: true };
  }

  /** Synchronous readiness check, run by every allocation. */
  ensureReady(): void {
    if (this.initState === 'done') return;
    const a = this.availability();
    if (!a.available) {
      throw new Error(`device '${this.name}' is not available: ${a.reason}`);
    }
    if (this.initState === 'running') {
      throw new Error(`device '${this.name}' is still initialising: await initDevice('${this.name}') before using it`);
    }
    const result = this.initFn?.();
    if (result instanceof Promise) {
      this.track(result).catch(() => undefined); // the caller learns of a failure from initDevice()
      throw new Error(`device '${this.name}' initialises asynchronously: await initDevice('${this.name}') before using it`);
    }
    this.initState = 'done';
  }

  async init(): Promise<void> {
    if (this.initState === 'done') return;
    if (this.initState === 'running') return this.initPromise;
    const a = this.availability();
    if (!a.available) throw new Error(`device '${this.name}' is not available: ${a.reason}`);
    const result = this.initFn?.();
    if (result instanceof Promise) return this.track(result);
    this.initState = 'done';
  }

  /**
   * Follows an asynchronous initialiser: concurrent init() calls share it, and a failure puts the device
   * back to 'pending' (its availability() usually says why by then), so a later call can try again.
   */
  private track(result: Promise<void>): Promise<void> {
    this.initState = 'running';
    this.initPromise = result.then(
      () => { this.initState = 'done'; },
      (error: unknown) => { this.initState = 'pending'; this.initPromise = undefined; throw error; },
    );
    return this.initPromise;
  }

  /**
   * Forgets a finished initialisation, so the next use runs the initialiser again: for a device that
   * released what its initialiser acquired (a GPU device destroyed on purpose).
   */
  forgetInit(): void {
    if (this.initState === 'done') this.initState = 'pending';
  }

  memoryStats(): MemoryStats {
    return { liveTensors: this.liveTensors, ...this.memory.counters() };
  }

  /** Core's count of live tensors (Storage calls this as views are made and disposed). */
  countTensors(delta: number): void {
    this.liveTensors += delta;
  }

  toString(): string {
    return this.name;
  }
}

const devices = new Map<string, Device>();

/** Registers a device; returns a disposer that unregisters it (for tests and plugins). */
export function registerDevice(options: DeviceOptions | Device): () => void {
  const device = options instanceof Device ? options : new Device(options);
  const existing = devices.get(device.name);
  if (existing === device) return () => undefined; // registered already: the first registration owns it
  if (existing) {
    throw new Error(`a device named '${device.name}' is already registered: pick another name or dispose the first registration`);
  }
  devices.set(device.name, device);
  return () => {
    if (devices.get(device.name) === device) devices.delete(device.name);
  };
}

export type DeviceLike = string | Device;

export function getDevice(device: DeviceLike): Device {
  if (device instanceof Device) return device;
  const found = devices.get(device);
  if (!found) {
    throw new Error(`unknown device '${device}': registered devices are [${[...devices.keys()].join(', ')}]; ` +
      `import the package that registers it (e.g. '@mta/device-${device}')`);
  }
  return found;
}

export function listDevices(): Device[] {
  return [...devices.values()];
}

export async function initDevice(device: DeviceLike): Promise<Device> {
  const d = getDevice(device);
  await d.init();
  return d;
}
