import { describe, expect, it } from 'vitest';
import { defineOp, getDevice, gradcheck, mul, permute, registerKernel, runOp1, tanh, tensor, type KernelArgs, hostData } from '@mta/core';
import '../src/register';

/** gradcheck itself: it must catch a wrong gradient, and leave nothing behind even outside tidy(). */
describe('gradcheck', () => {
  // y = 3x, with a gradient that claims 2.
  const Triple = defineOp({
    name: 'GradcheckTestTriple',
    infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
    grad: ({ grads: [g] }) => [mul(g!, 2)],
  });
  registerKernel(Triple, 'cpu', ({ inputs: [x], outputs: [y] }: KernelArgs<Record<string, never>>) => {
    const src = x!.toArray();
    for (let i = 0; i < src.length; i++) hostData(y!)[i] = 3 * src[i]!;
  });

  it('reports a wrong analytic gradient with the element and both values', () => {
    const result = gradcheck((x) => runOp1(Triple, [x], {}), [tensor([1, 2], { dtype: 'float64', requiresGrad: true })]);
    expect(result.ok).toBe(false);
    expect(result.failures[0]).toMatch(/input 0 element 0: analytic -?[\d.]+, numeric -?[\d.]+/);
    expect(result.worst).toBeGreaterThan(1);
  });

  it('accepts a right one and leaks no tensor when called outside tidy()', () => {
    const cpu = getDevice('cpu');
    const x = tensor([[0.1, -0.4, 0.7], [1.2, 0.3, -0.9]], { dtype: 'float64', requiresGrad: true });
    const before = cpu.memoryStats().liveTensors;
    const result = gradcheck((t) => tanh(permute(t, [1, 0])), [x]);
    expect(result.ok).toBe(true);
    expect(cpu.memoryStats().liveTensors).toBe(before);
    expect(x.grad).toBeNull();
  });
});
