/**
 * @mta/core on Node (the `node` export condition): the platform-neutral API of index.ts, with file I/O:
 * `exportOnnx` honours its `file` option, `readOnnxModelFile` reads a model, and `loadStateDictFile` /
 * `saveStateDictFile` move module parameters as safetensors files. The explicit exports
 * below take precedence over index.ts's.
 */
export * from './index.js';
export { exportOnnx } from './export/exporter-node.js';
export { readOnnxModelFile } from './onnx/read-file.js';
export { loadStateDictFile, saveStateDictFile } from './state-dict-file.js';
