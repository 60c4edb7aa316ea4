import '@mta/device-cpu/register';
import '@mta/device-npu/register';
import '@mta/ops-mta/register';
import { findOnnxLowering, listOps } from '@mta/core';
import { describe, expect, it } from 'vitest';

/**
 * Every forward op of every package has an ONNX lowering, so no user-facing op can reach export
 * without one. Backward ops never appear in a trace (export runs under noGrad). An op may be left out
 * only by name here, with the reason.
 */
const NO_LOWERING_ALLOWED: ReadonlyMap<string, string> = new Map<string, string>([
  // Add `[opName, why it cannot be exported]` for an op that cannot be.
  ['AdamUpdate', 'an optimizer step: it runs under noGrad between forward passes, never inside a traced model'],
]);

describe('ONNX lowering coverage', () => {
  const forwardOps = listOps().filter((op) => op.role === 'forward');

  it('sees the ops of core and ops-mta (the registries are populated)', () => {
    const names = forwardOps.map((op) => op.name);
    for (const expected of ['Add', 'Conv2d', 'BandMask', 'Reshape', 'ToDevice', 'Contiguous', 'MultiTokenAttention', 'Sparsemax']) {
      expect(names).toContain(expected);
    }
  });

  it('has a lowering for every forward op outside the allow-list', () => {
    const missing = forwardOps.filter((op) => !NO_LOWERING_ALLOWED.has(op.name) && !findOnnxLowering(op)).map((op) => op.name);
    expect(missing, `forward ops without an ONNX lowering: register one next to the op`).toEqual([]);
  });

  it('allow-lists only ops that exist and really lack a lowering', () => {
    for (const name of NO_LOWERING_ALLOWED.keys()) {
      const op = forwardOps.find((o) => o.name === name);
      expect(op, `allow-listed op '${name}' is not a forward op`).toBeDefined();
      expect(findOnnxLowering(op!), `allow-listed op '${name}' has a lowering now: remove it from the list`).toBeUndefined();
    }
  });
});
