/**
 * Core cannot depend on @mta/device-cpu (the dependency points the other way, and project references
 * cannot cycle), yet the nn tests need a device that computes. So the cpu device is loaded by path at
 * run time, untyped and invisible to tsc; only its side effect (registering 'cpu' and its kernels) matters.
 */
const cpuDeviceEntry = new URL('../../device-cpu/src/register.ts', import.meta.url).href;
await import(/* @vite-ignore */ cpuDeviceEntry);
