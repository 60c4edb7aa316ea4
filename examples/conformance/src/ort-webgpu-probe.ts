import { OnnxGraphBuilder } from '@mta/core';
import { runOrtWebgpu } from '@mta/ort';

/** What ONNX Runtime's WebGPU EP says when Dawn finds no adapter (onnxruntime 1.30, webgpu_context.cc). */
const NO_ADAPTER = /Failed to get a WebGPU adapter/;

/**
 * Whether ORT's WebGPU execution provider can start here: runs a one-node Softmax graph on it. No adapter is a
 * reason to skip (resolved); any other failure is the backend's and rejects.
 */
export async function probeOrtWebgpu(): Promise<string | undefined> {
  const g = new OnnxGraphBuilder({ graphName: 'probe' });
  const x = g.addInput('x', [1, 4]);
  g.addOutput(g.op('Softmax', [x], { axis: { kind: 'int', value: -1 } }), [1, 4], { name: 'y' });
  try {
    await runOrtWebgpu(g.encode(), { x: { data: Float32Array.of(1, 2, 3, 4), dims: [1, 4] } });
    return undefined;
  } catch (error) {
    const message = (error as Error).message;
    if (NO_ADAPTER.test(message)) {
      const icd = process.env['VK_ICD_FILENAMES'] ?? process.env['VK_DRIVER_FILES'];
      return `onnxruntime-node's WebGPU EP found no adapter (${icd ? `Vulkan driver files: ${icd}` : 'VK_ICD_FILENAMES is not set'}); ` +
        'it needs the Vulkan loader (libvulkan1) and a Vulkan driver, e.g. SwiftShader: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json';
    }
    throw error;
  }
}
