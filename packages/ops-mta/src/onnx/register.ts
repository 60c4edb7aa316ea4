import { registerOnnxLowering } from '@mta/core';
import { MultiTokenAttentionOp, SparsemaxOp } from '../ops.js';
import { lowerMta } from './lower-mta.js';
import { lowerSparsemax } from './sparsemax.js';

/**
 * Lowerings of the MTA op family for the tracing exporter. The fused op lowers as one sub-graph; its
 * second output (the saved probability map) only feeds the backward and is never exported.
 */
registerOnnxLowering(MultiTokenAttentionOp, ({ g, inputs, attrs }) => [
  lowerMta(g, inputs[0]!, inputs[1]!, attrs.geometry.hasBias ? inputs[2]! : null, attrs.geometry),
  '',
]);

registerOnnxLowering(SparsemaxOp, ({ g, inputs, inputTensors, attrs }) => {
  const x = inputTensors[0]!;
  return [lowerSparsemax(g, inputs[0]!, attrs.axis - x.ndim, x.shape[attrs.axis])];
});
