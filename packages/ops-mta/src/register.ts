/**
 * `import '@mta/ops-mta/register'`: the one module of this package with a side effect. It registers the
 * cpu and npu devices, the MTA kernels on each and the ONNX lowerings; `registerMta()` does the same
 * explicitly.
 */
import { registerMta } from './registration.js';

registerMta();
