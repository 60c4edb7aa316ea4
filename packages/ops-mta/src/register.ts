/**
 * `import '@mta/ops-mta/register'`: the one side effect of this package (with register.node.ts, its Node
 * twin). Registers the cpu and npu devices, the MTA kernels on each and the ONNX lowerings; here cpu MTA
 * runs on the calling thread (a browser's main thread may not block on workers). `registerMta()` does
 * the same explicitly.
 */
import { registerMta } from './registration.js';

registerMta();
