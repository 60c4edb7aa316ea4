/**
 * The webgpu device and the MTA kernels on it for `pnpm fuzz --device webgpu`: SwiftShader when no Vulkan
 * driver is set (webgpuForTests), and no adapter is an error here, not a skip: a fuzz run that ran nothing
 * must not look like one that passed.
 */
import { webgpuForTests } from '@mta/device-webgpu/testing';
import { registerMtaWebgpu } from '../../src/kernels/webgpu/index.js';

/** The adapter's name; exits with status 2 and the reason when there is none. */
export async function webgpuOrExit(): Promise<string> {
  registerMtaWebgpu();
  const gpu = await webgpuForTests();
  if (gpu.ready) return gpu.adapter;
  console.error(`pnpm fuzz --device webgpu: ${gpu.reason}`);
  process.exit(2);
}
