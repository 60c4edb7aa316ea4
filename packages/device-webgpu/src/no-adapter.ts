/**
 * The error (and the reason text) when no WebGPU adapter can be had: what was tried and how to get one.
 */
export class NoWebgpuAdapterError extends Error {
  constructor(readonly tried: string, readonly detail?: string) {
    super(noAdapterReason(tried, detail));
    this.name = 'NoWebgpuAdapterError';
  }
}

export function noAdapterReason(tried: string, detail?: string): string {
  return `no WebGPU adapter: ${tried}${detail ? ` (${detail})` : ''}. To get one: ` +
    'in Node, install the Vulkan loader and a Vulkan driver (Debian: `apt-get install libvulkan1` plus your GPU\'s driver), ' +
    'or, without a GPU, SwiftShader\'s software Vulkan from Debian\'s chromium package: ' +
    '`VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json` (Mesa\'s lavapipe is rejected by Dawn); ' +
    'in Chromium, start it with `--enable-unsafe-webgpu` where WebGPU is not on by default';
}
