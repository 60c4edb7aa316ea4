import { describe, expect, it, vi } from 'vitest';
import { OrtBackendError, runOrtNode, runOrtWeb } from '../src/index';

// Simulates a machine where neither ORT package can be loaded (not installed, or a native binding
// that fails to load): the runners must say which backend and why, before any model is touched.
vi.mock('onnxruntime-node', () => {
  throw new Error('Cannot find module onnxruntime_binding.node');
});
vi.mock('onnxruntime-web', () => {
  throw new Error('Cannot find package onnxruntime-web');
});

describe('ORT runners without ONNX Runtime', () => {
  const feeds = { x: { data: new Float32Array(1), dims: [1] } };
  it('ort-node explains that onnxruntime-node is missing', async () => {
    const promise = runOrtNode(new Uint8Array([1]), feeds);
    await expect(promise).rejects.toBeInstanceOf(OrtBackendError);
    await expect(runOrtNode(new Uint8Array([1]), feeds)).rejects.toThrow(
      /^ort-node: onnxruntime-node is not installed or its native binding failed to load: .*onnxruntime_binding\.node.*pnpm install/,
    );
  });
  it('ort-web explains that onnxruntime-web is missing', async () => {
    await expect(runOrtWeb(new Uint8Array([1]), feeds)).rejects.toThrow(
      /^ort-web: onnxruntime-web is not installed or failed to load: .*Cannot find package onnxruntime-web.*pnpm install/,
    );
  });
});
