import { afterAll, describe, expect, it, vi } from 'vitest';
import { add, fallbackStats, matmul, resetFallbackStats, setFallback, tensor, tidy } from '@mta/core';
import '@mta/device-cpu/register';
import { formatExplain, npuDevice, npuSimulator } from '../src/index';
import '../src/register';

/**
 * The npu declares the ops it runs natively (those with a kernel registered for it: none here, no op
 * package is loaded) and its policy sends everything else to cpu: counted, announced once per op, and
 * listed by explain().
 */
afterAll(() => { setFallback({ enabled: 'device', strict: false }); resetFallbackStats(); });

describe('npu fallback policy', () => {
  it("is 'cpu': primitives run on cpu, results come back to the npu, each op announced once", () => {
    expect(npuDevice.fallback).toBe('cpu');
    resetFallbackStats();
    const notice = vi.fn();
    setFallback({ enabled: 'device', strict: false, onFirstFallback: notice });
    const values = tidy(() => {
      const a = tensor([[1, 2], [3, 4]], { device: 'npu' });
      const sum = add(matmul(a, a), a);
      expect(sum.device.name).toBe('npu');
      return add(sum, a).toNumbers();
    });
    expect(values).toEqual([9, 14, 21, 30]);
    expect(fallbackStats().get('Add@npu')).toBe(2);
    expect(fallbackStats().get('MatMul@npu')).toBe(1);
    expect(notice.mock.calls).toEqual([['MatMul', 'npu'], ['Add', 'npu']]);
  });

  it('explain() lists the fallbacks next to the kernels that ran on the simulator', () => {
    const report = npuSimulator().explain();
    expect(report.fallbacks).toMatchObject({ 'Add@npu': 2, 'MatMul@npu': 1 });
    expect(formatExplain(report)).toContain('cpu fallbacks (ops without an npu kernel, calls): Add@npu 2, MatMul@npu 1');
  });

  it('strict mode turns the fallback into an error naming the op and the device', () => {
    setFallback({ strict: true });
    const a = tensor([1, 2], { device: 'npu' });
    expect(() => add(a, a)).toThrow(/no kernel for op 'Add' on device 'npu'.*strict mode/);
    a.dispose();
    setFallback({ strict: false });
  });
});
