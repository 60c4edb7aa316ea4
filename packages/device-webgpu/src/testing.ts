import { existsSync } from 'node:fs';
import { initDevice } from '@mta/core';
import { registerWebgpu, webgpuStatus } from './device.js';

/**
 * For test suites (Node only): get the webgpu device or learn why not. Without a GPU the software Vulkan
 * driver SwiftShader (Debian's chromium package) stands in; it is chosen when no Vulkan driver file is set
 * and it exists. Under CI (`process.env.CI`), where .ci/run installs it, a missing adapter is an error, so
 * that a broken set-up fails instead of skipping every GPU test.
 */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export function preferSwiftShaderWhenUnset(): void {
  if (process.env['VK_ICD_FILENAMES'] || process.env['VK_DRIVER_FILES']) return;
  if (existsSync(SWIFTSHADER_ICD)) process.env['VK_ICD_FILENAMES'] = SWIFTSHADER_ICD;
}

export type WebgpuForTests = { readonly ready: true; readonly adapter: string } | { readonly ready: false; readonly reason: string };

export async function webgpuForTests(): Promise<WebgpuForTests> {
  preferSwiftShaderWhenUnset();
  registerWebgpu();
  try {
    await initDevice('webgpu');
    return { ready: true, adapter: webgpuStatus().adapter ?? 'unknown' };
  } catch (error) {
    const reason = (error as Error).message;
    if (process.env['CI']) {
      throw new Error(`CI promises a WebGPU adapter (SwiftShader from Debian's chromium, libvulkan1; see .ci/run), but: ${reason}`);
    }
    return { ready: false, reason };
  }
}
