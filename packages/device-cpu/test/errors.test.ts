import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Add, MissingKernelError, Tensor, add, cast, conv2d, defineOp, expand, fallbackStats, findKernel, getDevice,
  indexSelect, initDevice, matmul, permute, registerDevice, registerKernel, reshape, resetFallbackStats, runOp1, setFallback,
  sum, tensor, tidy, type KernelArgs, hostData } from '@mta/core';
import '../src/register';

/**
 * Every error core raises, raised for real and checked for the facts its message promises (which op,
 * which devices, expected vs actual). Device mixing and fallback use a throwaway device with no kernels.
 */
const SPARE = 'errors-test-device';
let disposeSpare: () => void;

beforeAll(() => { disposeSpare = registerDevice({ name: SPARE, description: 'a device without kernels' }); });
afterAll(() => disposeSpare());
afterEach(() => { setFallback({ enabled: false, strict: true }); resetFallbackStats(); });

const onSpare = (values: number[]): Tensor => tensor(values, { device: SPARE });

/** The thrown error's message (fails the test when nothing is thrown). */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error('expected an error, but the call succeeded');
}

describe('devices and dispatch', () => {
  it('mixing devices names the op and both devices', () => {
    const message = messageOf(() => add(tensor([1, 2]), onSpare([3, 4])));
    expect(message).toMatch(/op 'Add' got inputs on different devices/);
    expect(message).toContain(`is on 'cpu'`);
    expect(message).toContain(`is on '${SPARE}'`);
    expect(message).toContain(`.to('cpu')`);
  });

  it('a missing kernel names the op, the device and the devices that have it', () => {
    setFallback({ enabled: false, strict: true });
    let error: unknown;
    try { add(onSpare([1]), onSpare([2])); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(MissingKernelError);
    const message = (error as Error).message;
    expect(message).toContain(`no kernel for op 'Add' on device '${SPARE}'`);
    expect(message).toContain('devices with a kernel: [cpu]');
    expect(message).toContain('setFallback');
  });

  it('cpu fallback is opt-in, counted, correct, leak-free, and refused in strict mode', () => {
    setFallback({ enabled: true, strict: false });
    const cpuBefore = getDevice('cpu').memoryStats().liveTensors;
    const values = tidy(() => {
      const out = add(onSpare([1, 2, 3]), onSpare([10, 20, 30]));
      expect(out.device.name).toBe(SPARE);
      return out.toNumbers();
    });
    expect(values).toEqual([11, 22, 33]);
    expect(fallbackStats().get(`Add@${SPARE}`)).toBe(1);
    expect(getDevice('cpu').memoryStats().liveTensors).toBe(cpuBefore);

    setFallback({ strict: true });
    expect(() => add(onSpare([1]), onSpare([2]))).toThrow(MissingKernelError);
    expect(fallbackStats().get(`Add@${SPARE}`)).toBe(1);
  });

  it('unknown, unavailable and still-initialising devices say what to do', () => {
    expect(messageOf(() => tensor([1], { device: 'no-such-device' }))).toMatch(/unknown device 'no-such-device': registered devices are \[.*cpu.*\]/);
    const disposeGone = registerDevice({ name: 'errors-unavailable', availability: () => ({ available: false, reason: 'no hardware here' }) });
    try {
      expect(messageOf(() => tensor([1], { device: 'errors-unavailable' }))).toContain(`device 'errors-unavailable' is not available: no hardware here`);
    } finally { disposeGone(); }
  });

  it('an asynchronously initialising device refuses use until awaited', async () => {
    let ready = false;
    const dispose = registerDevice({ name: 'errors-async', init: async () => { await Promise.resolve(); ready = true; } });
    try {
      expect(messageOf(() => tensor([1], { device: 'errors-async' }))).toMatch(/initialises asynchronously: await initDevice\('errors-async'\)/);
      await initDevice('errors-async');
      expect(ready).toBe(true);
      expect(tensor([5], { device: 'errors-async' }).toNumbers()).toEqual([5]);
    } finally { dispose(); }
  });

  it('registering a second device under a taken name is refused', () => {
    expect(messageOf(() => registerDevice({ name: 'cpu' }))).toContain(`a device named 'cpu' is already registered`);
  });
});

describe('kernel and op registries', () => {
  it('registering a different kernel for the same op and device is an error; the same one is a no-op', () => {
    expect(messageOf(() => registerKernel(Add, 'cpu', () => undefined))).toContain(`a different kernel for op 'Add' is already registered on device 'cpu'`);
    const existing = findKernel(Add, 'cpu')!;
    const dispose = registerKernel(Add, 'cpu', existing);
    dispose();
    expect(findKernel(Add, 'cpu')).toBe(existing);
  });

  it('a registration disposer removes exactly its kernel', () => {
    const kernel = ({ outputs: [out] }: KernelArgs<{ kind: 'add' }>): void => { hostData(out!).fill(0); };
    const dispose = registerKernel(Add, SPARE, kernel);
    expect(findKernel(Add, SPARE)?.run).toBe(kernel);
    dispose();
    expect(findKernel(Add, SPARE)).toBeUndefined();
  });

  it('op names are unique, and an op without a gradient must say so', () => {
    expect(messageOf(() => defineOp({ name: 'Add', infer: () => [], differentiable: false }))).toContain(`an op named 'Add' is already defined`);
    expect(messageOf(() => defineOp({ name: 'ErrorsTestForgotGrad', infer: () => [] }))).toMatch(/has no grad formula: give it one, or declare `differentiable: false`/);
    expect(messageOf(() => defineOp({ name: 'ErrorsTestClaimsGrad', infer: () => [], differentiable: true }))).toContain('is declared differentiable but has no grad formula');
  });
});

describe('autograd', () => {
  // Deliberately wrong gradients: one returns the wrong shape, the other the wrong dtype.
  const copy = ({ inputs: [x], outputs: [y] }: KernelArgs<Record<string, never>>): void => { hostData(y!).set(x!.toArray()); };
  const WrongShape = defineOp({ name: 'ErrorsTestWrongShapeGrad', infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }], grad: ({ grads: [g] }) => [sum(g!)] });
  const WrongDtype = defineOp({ name: 'ErrorsTestWrongDtypeGrad', infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }], grad: ({ grads: [g] }) => [cast(g!, 'float32')] });
  registerKernel(WrongShape, 'cpu', copy);
  registerKernel(WrongDtype, 'cpu', copy);

  it('a gradient of the wrong shape is caught, naming the op and both shapes', () => {
    const x = tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true });
    const message = messageOf(() => sum(runOp1(WrongShape, [x], {})).backward());
    expect(message).toContain(`the gradient of op 'ErrorsTestWrongShapeGrad' for input 0 is ([], float64, cpu)`);
    expect(message).toContain('but its input is ([2, 2], float64, cpu)');
    expect(message).toContain(`must match its input's shape, dtype and device`);
  });

  it('a gradient of the wrong dtype is caught', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const message = messageOf(() => sum(runOp1(WrongDtype, [x], {})).backward());
    expect(message).toContain(`op 'ErrorsTestWrongDtypeGrad' for input 0 is ([3], float32, cpu) but its input is ([3], float64, cpu)`);
  });

  it('backward needs a scalar (or a seed) and something that requires grad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(messageOf(() => add(x, x).backward())).toContain('needs a gradient argument of shape [2]');
    expect(messageOf(() => tensor([1]).backward())).toContain('which does not require grad');
    expect(messageOf(() => sum(add(x, x)).backward(tensor([1, 2])))).toMatch(/the seed gradient passed to backward\(\) is \(\[2\], float32, cpu\) but its input is \(\[\], float32, cpu\)/);
  });

  it('using a disposed tensor names the op and the input', () => {
    const x = tensor([1, 2]);
    x.dispose();
    expect(messageOf(() => add(x, tensor([1, 1])))).toMatch(/input 0 of op 'Add' \(\[2\], float32, cpu\) was disposed: keep\(\) it/);
    expect(messageOf(() => x.toNumbers())).toContain('was disposed');
  });
});

describe('shape and argument validation', () => {
  it('broadcasting mismatch names both shapes', () => {
    expect(messageOf(() => add(tensor([[1, 2, 3], [4, 5, 6]]), tensor([1, 2, 3, 4])))).toContain('Add: shapes [2, 3] and [4] do not broadcast');
  });

  it('dtype mismatch says how to fix it', () => {
    expect(messageOf(() => add(tensor([1]), tensor([1], { dtype: 'float64' })))).toMatch(/Add: dtypes differ: .*float32.*float64.*cast one/);
  });

  it('matmul inner dimensions, rank and batch dims', () => {
    expect(messageOf(() => matmul(tensor([[1, 2, 3]]), tensor([[1], [2], [3], [4]])))).toContain('matmul: inner dimensions differ: ([1, 3], float32, cpu) has K=3, ([4, 1], float32, cpu) has K=4');
    expect(messageOf(() => matmul(tensor([1, 2]), tensor([[1], [2]])))).toContain('both inputs must be at least 2-D');
    const a = tensor(new Float32Array(2 * 2 * 3), [2, 2, 3]), b = tensor(new Float32Array(3 * 3 * 1), [3, 3, 1]);
    expect(messageOf(() => matmul(a, b))).toContain('matmul: batch dims [2] and [3] do not broadcast');
  });

  it('conv2d channels, groups and kernel size', () => {
    const x = tensor(new Float32Array(1 * 4 * 5 * 5), [1, 4, 5, 5]);
    expect(messageOf(() => conv2d(x, tensor(new Float32Array(3 * 2 * 3 * 3), [3, 2, 3, 3]), null, { groups: 2 }))).toContain('conv2d: channels must divide by groups=2: input has 4, weight has 3 output channels');
    expect(messageOf(() => conv2d(x, tensor(new Float32Array(2 * 3 * 3 * 3), [2, 3, 3, 3]), null, { groups: 2 }))).toContain('weight [2, 3, 3, 3] expects 3 input channels per group, input [1, 4, 5, 5] with groups=2 has 2');
    expect(messageOf(() => conv2d(x, tensor(new Float32Array(1 * 4 * 7 * 7), [1, 4, 7, 7])))).toContain('kernel 7x7 (dilation 1x1) is larger than the padded input 5x5');
    expect(messageOf(() => conv2d(x, tensor(new Float32Array(1 * 4 * 3 * 3), [1, 4, 3, 3]), tensor([1, 2])))).toContain('conv2d: bias must be (1) float32');
    expect(messageOf(() => conv2d(x, x, null, { pads: -1 }))).toContain('conv2d: pads must be');
  });

  it('reshape, expand and permute validate their arguments', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(messageOf(() => reshape(x, [4]))).toContain('reshape: ([2, 3], float32, cpu) has 6 elements, the new shape [4] has 4');
    expect(messageOf(() => reshape(x, [4, -1]))).toContain('cannot infer -1 in [4, -1]');
    expect(messageOf(() => expand(x, [3, 3]))).toContain('expand: ([2, 3], float32, cpu) cannot be broadcast to [3, 3]');
    expect(messageOf(() => permute(x, [0, 0]))).toContain('permute: axes [0, 0] must be a permutation of 0..1');
  });

  it('indexSelect refuses indices out of range before touching memory', () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]]);
    expect(messageOf(() => indexSelect(x, tensor([0, 3], { dtype: 'int32' })))).toContain('index 3 at position 1 of the indices is out of range for axis 0');
    expect(messageOf(() => indexSelect(x, tensor([0.5])))).toContain('indices must be int32');
  });
});
