import { NoWebgpuAdapterError } from './no-adapter.js';

/**
 * Where the GPU comes from. In a browser (or any host that has it) `navigator.gpu`; in Node the `webgpu`
 * npm package (Dawn), imported dynamically so that browsers and bundles for them never load it.
 */
export type GpuSource = () => Promise<{ readonly gpu: GPU | null; readonly tried: string }>;

export const defaultGpuSource: GpuSource = async () => {
  const fromNavigator = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (fromNavigator) return { gpu: fromNavigator, tried: 'navigator.gpu returned no adapter' };
  const isNode = typeof process !== 'undefined' && process.versions?.node !== undefined;
  if (!isNode) return { gpu: null, tried: 'this JavaScript host has no navigator.gpu' };
  let dawn: { create(options: string[]): GPU };
  try {
    // A variable specifier keeps bundlers for the browser from following it.
    const specifier = 'webgpu';
    dawn = (await import(specifier)) as { create(options: string[]): GPU };
  } catch (error) {
    throw new NoWebgpuAdapterError('the `webgpu` package (Dawn for Node) could not be loaded', (error as Error).message);
  }
  const icd = process.env['VK_ICD_FILENAMES'] ?? process.env['VK_DRIVER_FILES'];
  // MTA_WEBGPU_DAWN_FLAGS: Dawn for Node's create() options, space-separated, for measuring on a GPU machine, e.g.
  // `enable-dawn-features=allow_unsafe_apis,disable_robustness` (no bounds clamping: only for kernels known to
  // stay in bounds; the default keeps Dawn's robustness).
  const flags = (process.env['MTA_WEBGPU_DAWN_FLAGS'] ?? '').split(' ').filter((f) => f.length > 0);
  return {
    gpu: dawn.create(flags),
    tried: `Dawn (the \`webgpu\` package) found no Vulkan adapter (${icd ? `Vulkan driver files: ${icd}` : 'VK_ICD_FILENAMES is not set'})`,
  };
};
