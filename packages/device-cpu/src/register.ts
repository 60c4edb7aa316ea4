/**
 * `import '@mta/device-cpu/register'`: the one module of this package with a side effect. It registers
 * the cpu device and its kernels; `registerCpu()` does the same explicitly.
 */
import { registerCpu } from './device.js';

registerCpu();
