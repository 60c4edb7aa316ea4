import type { Device } from './device.js';
import type { AnyOpDef, OpDef } from './op.js';
import type { Tensor } from './tensor.js';

/**
 * The kernel registry: Map<OpDef, Map<deviceName, KernelDef>>. Keys are op objects, so a kernel's
 * attribute type is checked against its op at registration.
 */
export interface KernelArgs<A> {
  readonly inputs: readonly Tensor[];
  /** Preallocated by dispatch from the op's inferred shapes; contents are undefined until written. */
  readonly outputs: readonly Tensor[];
  readonly attrs: A;
  readonly device: Device;
}

export interface KernelDef<A> {
  readonly run: (args: KernelArgs<A>) => void;
  /** When false (the default) dispatch hands the kernel contiguous inputs. */
  readonly stridedInputs?: boolean;
}

type AnyKernelDef = KernelDef<never>;

const registry = new Map<AnyOpDef, Map<string, AnyKernelDef>>();

export function registerKernel<A>(op: OpDef<A>, device: string, kernel: KernelDef<A> | KernelDef<A>['run']): () => void {
  const def: KernelDef<A> = typeof kernel === 'function' ? { run: kernel } : kernel;
  let perDevice = registry.get(op as AnyOpDef);
  if (!perDevice) registry.set(op as AnyOpDef, (perDevice = new Map()));
  const existing = perDevice.get(device);
  if (existing) {
    if (existing.run === (def.run as AnyKernelDef['run'])) return () => undefined; // re-import of the same module
    throw new Error(`a different kernel for op '${op.name}' is already registered on device '${device}': ` +
      `dispose the first registration before replacing it`);
  }
  perDevice.set(device, def as AnyKernelDef);
  return () => {
    if (perDevice.get(device) === (def as AnyKernelDef)) perDevice.delete(device);
  };
}

export function findKernel<A>(op: OpDef<A>, device: string): KernelDef<A> | undefined {
  return registry.get(op as AnyOpDef)?.get(device) as KernelDef<A> | undefined;
}

export function devicesWithKernel(op: AnyOpDef): string[] {
  return [...(registry.get(op)?.keys() ?? [])];
}

export class MissingKernelError extends Error {
  /** @param readsAsync the device reads its memory only asynchronously, so a move off it is `toAsync`. */
  constructor(readonly op: AnyOpDef, readonly device: string, fallbackAdvice = '', readsAsync = false) {
    const have = devicesWithKernel(op);
    const target = have[0] ?? 'cpu';
    const move = readsAsync ? `\`await tensor.toAsync('${target}')\`` : `.to('${target}')`;
    super(`no kernel for op '${op.name}' on device '${device}'; devices with a kernel: [${have.join(', ')}]. ` +
      `Register one with registerKernel(${op.name}, '${device}', ...) or move the inputs with ${move}` +
      (fallbackAdvice ? `; ${fallbackAdvice}` : ''));
    this.name = 'MissingKernelError';
  }
}

/** The ops a device runs natively: those with a kernel registered for it. Everything else falls back or fails. */
export function nativeOps(device: string): AnyOpDef[] {
  return [...registry].filter(([, perDevice]) => perDevice.has(device)).map(([op]) => op);
}
