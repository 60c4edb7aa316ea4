// The consumer's browser page, bundled by esbuild (platform browser): the installed packages by name,
// onnxruntime-web (wasm, one thread; its .wasm served from /ort/), the result POSTed back to the server.
import '@mta/ops-mta/register';
import * as core from '@mta/core';
import * as ops from '@mta/ops-mta';
import * as ort from 'onnxruntime-web/wasm';
import { roundTrip } from './roundtrip.mjs';

ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = '/ort/';

const post = (path, body) => fetch(path, { method: 'POST', body: JSON.stringify(body) });
try {
  const result = await roundTrip({ core, ops, ort, devices: ['cpu', 'npu'] });
  await post('/result', { ...result, userAgent: navigator.userAgent });
} catch (error) {
  await post('/error', { message: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error) });
}
