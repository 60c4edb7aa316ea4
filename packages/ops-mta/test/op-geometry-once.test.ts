import '@mta/ops-mta/register';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { exportOnnx, setFallback, tensor } from '@mta/core';
import { multiTokenAttention, type MtaOptions } from '@mta/ops-mta';
import * as geometryModule from '../src/geometry';
import { randomOperands, runMta, type DeviceName } from './support/op-harness';

/**
 * One call builds (and so validates) its geometry once: forward and backward, on every path. mtaGeometry is
 * the only function that validates a call, so counting its calls counts validations; the op's shape
 * inference, the cpu and npu kernels, the backward and the composite all reuse what the entry point built.
 */
vi.mock('../src/geometry', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/geometry')>();
  return { ...original, mtaGeometry: vi.fn(original.mtaGeometry) };
});

const builds = vi.mocked(geometryModule.mtaGeometry);

beforeAll(() => setFallback({ strict: true }));
// A block body: a function returned from beforeEach would be run as its cleanup.
beforeEach(() => { builds.mockClear(); });

const PATHS: readonly { label: string; device: DeviceName; impl: MtaOptions['impl'] }[] = [
  { label: 'cpu fused (auto)', device: 'cpu', impl: 'auto' },
  { label: 'cpu composite', device: 'cpu', impl: 'composite' },
  { label: 'npu fused (auto)', device: 'npu', impl: 'auto' },
];

describe('the geometry is built once per call', () => {
  for (const path of PATHS) {
    for (const mode of ['post', 'pre'] as const) {
      it(`${path.label}, ${mode}: forward + backward`, () => {
        const ops = randomOperands(11, { B: 1, Cin: 4, Cout: 2, L: 8, kH: 2, kW: 3, groups: 2 });
        runMta(ops, { mode, padding: 'causal', dilation: [2, 1], groups: 2, impl: path.impl }, { device: path.device });
        expect(builds).toHaveBeenCalledTimes(1);
      });
    }
  }

  it('the ONNX export of a call lowers the geometry the call built', () => {
    const ops = randomOperands(12, { B: 1, Cin: 2, Cout: 2, L: 6, kH: 3, kW: 3 });
    const weight = tensor(Float32Array.from(ops.weight), [2, 2, 3, 3]);
    const bias = tensor(Float32Array.from(ops.bias!), [2]);
    const model = exportOnnx((scores) => multiTokenAttention(scores, weight, bias, { padding: 1 }), [tensor(Float32Array.from(ops.scores), [1, 2, 6, 6])]);
    expect(model).toBeDefined();
    expect(builds).toHaveBeenCalledTimes(1);
  });
});
