/**
 * `import '@mta/ops-mta/register'` on Node: registers the cpu and npu devices, the MTA kernels on each
 * and the ONNX lowerings, and starts the cpu worker pool in the background (unless MTA_CPU_THREADS=1).
 */
import { registerMta } from './registration-node.js';

registerMta();
