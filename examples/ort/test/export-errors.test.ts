import '@mta/device-cpu/register';
import { add, cast, defineOp, exp, exportOnnx, parseOnnxModel, readOnnxModelFile, registerKernel, runOp1, tensor, tidy, hostData } from '@mta/core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** Export refuses what ONNX (or ONNX Runtime) cannot run, at export time and by name; bad model bytes fail to parse. */
const dir = mkdtempSync(join(tmpdir(), 'mta-export-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('export errors', () => {
  it('names an op without a lowering, at export time', () => {
    // A third-party op with a cpu kernel and no lowering: it runs, but cannot be exported.
    const Doubling = defineOp<Record<string, never>>({
      name: 'TestOnlyDoublingWithoutLowering',
      differentiable: false,
      infer: ([x]) => [{ shape: x!.shape, dtype: x!.dtype }],
    });
    const dispose = registerKernel(Doubling, 'cpu', ({ inputs: [x], outputs: [out] }) => {
      const src = x!.toArray();
      const dst = hostData(out!);
      for (let i = 0; i < src.length; i++) dst[out!.offset + i] = 2 * src[i]!;
    });
    try {
      const x = tensor([1, 2, 3]);
      const fn = (t: (typeof x)) => exp(runOp1(Doubling, [t], {}));
      expect(tidy(() => Array.from(fn(x).toArray()))).toEqual([2, 4, 6].map((v) => Math.fround(Math.exp(v))));
      expect(() => exportOnnx(fn, [x])).toThrow(/op 'TestOnlyDoublingWithoutLowering' has no ONNX lowering/);
    } finally {
      dispose();
    }
  });

  it('refuses a float64 input, naming the dtype and the input', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    expect(() => exportOnnx((t) => exp(t), [x])).toThrow(/input 0 .*has dtype float64.*supports float32, int32 and bool/);
  });

  it('refuses a float64 constant captured by the trace', () => {
    const x = tensor([1, 2, 3]);
    const weight = tensor([4, 5, 6], { dtype: 'float64' });
    expect(() => exportOnnx((t) => add(cast(weight, 'float32'), t), [x])).toThrow(/constant captured by the trace .*has dtype float64/);
  });

  it('refuses a float64 intermediate, naming the op that made it', () => {
    const x = tensor([1, 2, 3]);
    expect(() => exportOnnx((t) => t.cast('float64'), [x])).toThrow(/output 0 of op 'Cast' .*has dtype float64/);
  });

  it("says 'failed to parse' for bytes that are not a model", () => {
    expect(() => parseOnnxModel(new TextEncoder().encode('this is not an onnx model'), 'text.onnx')).toThrow(/model file text\.onnx failed to parse/);
    expect(() => parseOnnxModel(new Uint8Array(0))).toThrow(/failed to parse: the file is empty/);
  });

  it("says 'failed to parse' for a truncated export, naming the file", async () => {
    const { bytes } = exportOnnx((t) => exp(t), [tensor([[1, 2], [3, 4]])]);
    const path = join(dir, 'truncated.onnx');
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(readOnnxModelFile(path)).rejects.toThrow(new RegExp(`model file ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} failed to parse`));
  });
});
