import type { WebgpuContext } from './context.js';

/**
 * The webgpu device's state: its context once initialised, or why it is unavailable. Apart from device.ts
 * so that kernels reach the context without importing the device module (which registers them).
 */
let context: WebgpuContext | null = null;
let unavailable: string | null = null;

export function setActiveContext(ctx: WebgpuContext | null): void {
  context = ctx;
}

export function activeContext(): WebgpuContext | null {
  return context;
}

export function setUnavailable(reason: string | null): void {
  unavailable = reason;
}

export function unavailableReason(): string | null {
  return unavailable;
}

/** The initialised device's context, for kernels. */
export function webgpuContext(): WebgpuContext {
  if (!context) {
    throw new Error(unavailable !== null
      ? `device 'webgpu' is not available: ${unavailable}`
      : "device 'webgpu' is not initialised: await initDevice('webgpu') first");
  }
  return context;
}
