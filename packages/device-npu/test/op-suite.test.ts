import { afterAll, describe, expect, it } from 'vitest';
import { fallbackStats, resetFallbackStats, runOpSuite, setFallback, tensor, matmul, MissingKernelError } from '@mta/core';
import '@mta/device-cpu/register';
import '../src/register';

/**
 * The npu device runs the same op suite as cpu. It accelerates only MTA (its kernels are registered by
 * @mta/ops-mta), so every primitive here reaches cpu through the opt-in fallback: counted, and refused in
 * strict mode. The suite's results are compared with its float64 references as on any device.
 */
setFallback({ enabled: true, strict: false });
resetFallbackStats();

runOpSuite('npu', { describe, it, expect });

describe('npu fallback accounting', () => {
  it('counts every primitive that ran on cpu for the npu device, and strict mode refuses the fallback', () => {
    const counts = fallbackStats();
    expect(counts.get('MatMul@npu') ?? 0).toBeGreaterThan(0);
    expect([...counts.keys()].every((k) => k.endsWith('@npu'))).toBe(true);
    setFallback({ strict: true });
    try {
      const a = tensor([[1, 2]], { device: 'npu' });
      expect(() => matmul(a, a.transpose())).toThrow(MissingKernelError);
      expect(() => matmul(a, a.transpose())).toThrow(/no kernel for op 'MatMul' on device 'npu'; devices with a kernel: \[cpu\]/);
    } finally {
      setFallback({ strict: false });
    }
  });
});

afterAll(() => setFallback({ enabled: false }));
