/**
 * `import '@mta/device-npu/register'`: the one module of this package with a side effect. It registers
 * the npu device (the simulator); `registerNpu()` does the same explicitly.
 */
import { registerNpu } from './device.js';

registerNpu();
