import { InvalidArgumentError } from '@mta/core';

/**
 * Named errors of the webgpu device's kernels for inputs they cannot take, so callers (and tests) can tell
 * a dtype the device does not compute on from a bug. An InvalidArgumentError, so that it carries argument,
 * expected and actual like every rejection of bad input (the API fuzz checks that); the message stays the
 * device's own sentence.
 */
export class WebgpuDtypeError extends InvalidArgumentError {
  constructor(readonly op: string, readonly dtype: string, readonly supported: readonly string[]) {
    super(`webgpu ${op}: dtype`, supported.join(', '), dtype, "cast it first, or run this op on cpu (`await tensor.toAsync('cpu')`)");
    this.message = `webgpu ${op}: dtype ${dtype} is not supported on webgpu (${supported.join(', ')} are); ` +
      "cast it first, or run this op on cpu (`await tensor.toAsync('cpu')`)";
    this.name = 'WebgpuDtypeError';
  }
}

/**
 * What a kernel found wrong on the GPU (an index out of range), reported by the next read: the GPU cannot
 * throw where the kernel was called, since that call returns before the kernel runs.
 */
export class WebgpuKernelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebgpuKernelError';
  }
}
