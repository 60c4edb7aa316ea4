import { describe, expect, it } from 'vitest';
import { findKernel, findOnnxLowering, listDevices, nativeOps } from '@mta/core';
import * as cpu from '@mta/device-cpu';
import * as npu from '@mta/device-npu';
import { MultiTokenAttentionBackwardOp, MultiTokenAttentionOp, registerMta, SparsemaxOp } from '@mta/ops-mta';

/**
 * Importing a package registers nothing (this file imports all three and no '/register' entry); one
 * explicit call registers the devices, the MTA kernels on each and the ONNX lowerings, and its disposer
 * takes them all back. Vitest runs each test file in a fresh module graph, so nothing leaks in from others.
 */
describe('registration', () => {
  it('importing @mta/device-cpu, @mta/device-npu and @mta/ops-mta registers nothing', () => {
    expect(typeof cpu.registerCpu).toBe('function');
    expect(typeof npu.registerNpu).toBe('function');
    expect(listDevices().map((d) => d.name)).toEqual([]);
    expect(nativeOps('cpu')).toEqual([]);
    expect(findOnnxLowering(MultiTokenAttentionOp)).toBeUndefined();
  });

  it('registerMta() registers both devices, the MTA kernels on each and the lowerings; its disposer undoes it', () => {
    const dispose = registerMta({ threads: false });
    expect(listDevices().map((d) => d.name).sort()).toEqual(['cpu', 'npu']);
    for (const device of ['cpu', 'npu']) {
      expect(findKernel(MultiTokenAttentionOp, device), device).toBeDefined();
      expect(findKernel(MultiTokenAttentionBackwardOp, device), device).toBeDefined();
    }
    expect(nativeOps('cpu').length).toBeGreaterThan(20);
    expect(findOnnxLowering(SparsemaxOp)).toBeDefined();
    expect(registerMta({ threads: false })).toBeTypeOf('function'); // a second call changes nothing
    dispose();
    expect(listDevices()).toEqual([]);
    expect(findKernel(MultiTokenAttentionOp, 'cpu')).toBeUndefined();
    expect(findOnnxLowering(MultiTokenAttentionOp)).toBeUndefined();
  });
});
