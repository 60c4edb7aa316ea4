import { registerOnnxLowering, type OnnxLowering } from '@mta/core';
import { MultiTokenAttentionOp, SparsemaxOp, type MtaAttrs, type AxisAttrs } from '../ops.js';
import { lowerMta } from './lower-mta.js';
import { lowerSparsemax } from './sparsemax.js';

// Module constants, so registering twice is recognised as the same registration.
const mtaLowering: OnnxLowering<MtaAttrs> = ({ g, inputs, attrs }) => [
  lowerMta(g, inputs[0]!, inputs[1]!, attrs.geometry.hasBias ? inputs[2]! : null, attrs.geometry),
  '',
];

// No static size: the row length comes from Shape(x), so it may be a dynamic axis.
const sparsemaxLowering: OnnxLowering<AxisAttrs> = ({ g, inputs, inputTensors, attrs }) =>
  [lowerSparsemax(g, inputs[0]!, attrs.axis - inputTensors[0]!.ndim)];

/**
 * Registers the lowerings of the MTA op family for the tracing exporter; returns a disposer. The fused op
 * lowers as one sub-graph; its second output (the saved probability map) only feeds the backward and is
 * never exported.
 */
export function registerMtaOnnxLowerings(): () => void {
  const disposers = [registerOnnxLowering(MultiTokenAttentionOp, mtaLowering), registerOnnxLowering(SparsemaxOp, sparsemaxLowering)];
  return () => disposers.forEach((d) => d());
}
