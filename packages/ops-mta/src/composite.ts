import { conv2d, softmax, tril, type Tensor } from '@mta/core';
import { MASKED_SCORE } from './config.js';
import type { MtaGeometry } from './geometry.js';
import { sparsemax } from './ops.js';

/**
 * The reference path: MTA written once in core primitives (masks, softmax or sparsemax, conv2d). Every
 * device with the primitives runs it, autograd differentiates it, and the fused kernels are tested
 * against it. Masks are written without reading the masked values, so NaN scores above the diagonal
 * never propagate.
 */
export function mtaComposite(scores: Tensor, weight: Tensor, bias: Tensor | null, geometry: MtaGeometry): Tensor {
  const activate = (x: Tensor): Tensor => (geometry.sparse ? sparsemax(x, -1) : softmax(x, -1));
  const conv = (x: Tensor): Tensor => conv2d(x, weight, bias, { pads: geometry.pads, dilation: geometry.dilation, groups: geometry.groups });
  // Masked entries are excluded from the activation (MASKED_SCORE is -Infinity) and the tril after it keeps
  // their probabilities exactly 0 even in a row the activation made NaN (a NaN or +Inf score), as the fused
  // kernels do: a NaN row must not reach the masked neighbours the convolution reads.
  const activateCausal = (x: Tensor): Tensor => tril(activate(tril(x, 0, MASKED_SCORE)), 0, 0);
  if (geometry.mode === 'post') return tril(conv(activateCausal(scores)), 0, 0);
  return activateCausal(conv(tril(scores, 0, 0)));
}
