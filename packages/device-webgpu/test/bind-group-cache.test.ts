import { afterAll, describe, expect, it } from 'vitest';
import { BindGroupCache } from '../src/bind-group-cache.js';
import { BufferUsage } from '../src/gpu-flags.js';
import { releaseWebgpu, webgpuContext } from '../src/index.js';
import { webgpuForTests } from '../src/testing.js';

const gpu = await webgpuForTests();
afterAll(() => releaseWebgpu());

describe.skipIf(!gpu.ready)('BindGroupCache', () => {
  const setup = () => {
    const device = webgpuContext().device;
    const code = `@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read_write> b: array<f32>;
@compute @workgroup_size(1) fn main() { b[0] = a[0]; }`;
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
    const buffer = () => device.createBuffer({ size: 1024, usage: BufferUsage.STORAGE });
    return { device, pipeline, x: buffer(), y: buffer() };
  };

  it('reuses a bind group for the same pipeline, buffers, offsets and sizes, and only then', () => {
    const { device, pipeline, x, y } = setup();
    const cache = new BindGroupCache(device);
    const first = cache.get(pipeline, [{ buffer: x, offset: 0, size: 256 }, { buffer: y, offset: 0, size: 256 }]);
    expect(cache.get(pipeline, [{ buffer: x, offset: 0, size: 256 }, { buffer: y, offset: 0, size: 256 }])).toBe(first);
    expect(cache.get(pipeline, [{ buffer: x, offset: 256, size: 256 }, { buffer: y, offset: 0, size: 256 }])).not.toBe(first);
    expect(cache.get(pipeline, [{ buffer: x, offset: 0, size: 512 }, { buffer: y, offset: 0, size: 256 }])).not.toBe(first);
    expect(cache.get(pipeline, [{ buffer: y, offset: 0, size: 256 }, { buffer: x, offset: 0, size: 256 }])).not.toBe(first);
    x.destroy();
    y.destroy();
  });

  it('forgets the least recently used beyond its capacity', () => {
    const { device, pipeline, x, y } = setup();
    const cache = new BindGroupCache(device, 2);
    const at = (offset: number) => cache.get(pipeline, [{ buffer: x, offset, size: 256 }, { buffer: y, offset: 0, size: 256 }]);
    const a = at(0);
    const b = at(256);
    expect(at(0)).toBe(a); // 0 is now the most recent
    at(512); // evicts 256
    expect(at(0)).toBe(a);
    expect(at(256)).not.toBe(b);
    x.destroy();
    y.destroy();
  });
});
