/**
 * `import '@mta/device-webgpu/register'`: the one module of this package with a side effect. It registers
 * the webgpu device and its kernels (no GPU is touched until `await initDevice('webgpu')`);
 * `registerWebgpu()` does the same explicitly.
 */
import { registerWebgpu } from './device.js';

registerWebgpu();
