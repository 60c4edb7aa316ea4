import { describe, expect, it } from 'vitest';
import { CPU_EP, formatPlacement, notOnWebgpu, placementOf, WEBGPU_EP } from '../src/index';

/** ONNX Runtime profile events as 1.30 writes them: one '<node>_kernel_time' event per node run, with its provider. */
function node(name: string, op: string, provider: string) {
  return { cat: 'Node', name: `${name}_kernel_time`, args: { op_name: op, provider } };
}
const session = { cat: 'Session', name: 'model_run', args: {} };
const fence = { cat: 'Node', name: 'Conv_fence_before', args: { op_name: 'Conv' } };

describe("the WebGPU EP's node placement, read from ORT's profile", () => {
  it('collects each node run under its provider and ignores session and fence events', () => {
    const placement = placementOf([session, fence, node('Squeeze', 'Squeeze', CPU_EP), node('mta/Softmax_0', 'Softmax', WEBGPU_EP), node('mta/Conv_0', 'Conv', WEBGPU_EP), node('mta/Where_0', 'Where', WEBGPU_EP), node('mta/Where_1', 'Where', WEBGPU_EP)]);
    expect(placement).toEqual({ [CPU_EP]: ['Squeeze'], [WEBGPU_EP]: ['Softmax', 'Conv', 'Where', 'Where'] });
    expect(formatPlacement(placement)).toBe(`${CPU_EP}: Squeeze; ${WEBGPU_EP}: Softmax, Conv, Where x2`);
  });

  it('accepts shape arithmetic on the CPU (ORT puts it there on purpose) and nothing else', () => {
    expect(notOnWebgpu({ [CPU_EP]: ['Squeeze', 'Shape'], [WEBGPU_EP]: ['Conv'] })).toBeUndefined();
    expect(notOnWebgpu({ [CPU_EP]: ['Squeeze', 'IsNaN'], [WEBGPU_EP]: ['Conv'] })).toMatch(/^nodes ran off the GPU: IsNaN on CPUExecutionProvider \(placement: /);
    expect(notOnWebgpu({ [CPU_EP]: ['Conv', 'Softmax'] })).toMatch(/^no node ran on WebGpuExecutionProvider/);
    expect(notOnWebgpu({})).toMatch(/^no node ran on WebGpuExecutionProvider \(placement: no nodes\)/);
  });

  it('refuses what is not a profile', () => {
    expect(() => placementOf({ traceEvents: [] })).toThrow(/JSON array of events/);
  });
});
