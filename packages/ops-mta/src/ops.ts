import { defineOp, describeValue, runOp, runOp1, normalizeAxis, type OutputSpec, type Tensor } from '@mta/core';
import { requireTensor } from './check-args.js';
import { MtaArgumentError } from './errors.js';
import type { MtaGeometry } from './geometry.js';

/**
 * The MTA op family as core ops: the fused forward, its one named backward, and sparsemax. Gradients are
 * written once here; each device registers kernels (kernels/cpu, kernels/npu).
 *
 * Outputs of MultiTokenAttentionOp: [out] in 'pre' mode (the output is the probability map the backward
 * needs), [out, probs] in 'post' mode (probs is the one saved (B, Cin, L, L) map), [out] in 'post' mode
 * when `savesMap` is false.
 */
export interface MtaAttrs {
  /**
   * Built and validated by multiTokenAttention (mtaGeometryOf) from these very inputs. Shape inference and
   * the kernels trust it rather than check it again; a caller of runOp on these ops directly must build it
   * the same way.
   */
  readonly geometry: MtaGeometry;
  /**
   * Post mode: whether the forward keeps P for a backward (default true). multiTokenAttention sets false
   * on a device whose kernel can leave the map out (cpu): P is then neither an output nor written, a
   * (B, Cin, L, L) map less of memory and of memory traffic. A recorded call then saves nothing of its own:
   * the backward op gets the scores instead of P ([gradOut, scores, weight]) and recomputes P row by row.
   */
  readonly savesMap?: boolean;
}

const mapShape = (g: MtaGeometry, channels: number): number[] => [g.B, channels, g.L, g.L];

/**
 * Inputs: post [gradOut, probs, weight] ([gradOut, scores, weight] when `savesMap` is false: P is
 * recomputed from the scores); pre [gradOut, out, scores, weight].
 * Outputs: [gradScores, gradWeight, gradBias] (gradBias only when the forward had a bias).
 */
export const MultiTokenAttentionBackwardOp = defineOp<MtaAttrs>({
  name: 'MultiTokenAttentionBackward',
  role: 'backward',
  differentiable: false,
  infer: (_, { geometry: g }) => {
    const { dtype } = g;
    const specs: OutputSpec[] = [
      { shape: mapShape(g, g.Cin), dtype },
      { shape: [g.Cout, g.cig, g.kH, g.kW], dtype },
    ];
    if (g.hasBias) specs.push({ shape: [g.Cout], dtype });
    return specs;
  },
});

export const MultiTokenAttentionOp = defineOp<MtaAttrs>({
  name: 'MultiTokenAttention',
  minInputs: 2,
  infer: (_, { geometry: g, savesMap }) => {
    const specs: OutputSpec[] = [{ shape: mapShape(g, g.Cout), dtype: g.dtype }];
    if (g.mode === 'post' && savesMap !== false) specs.push({ shape: mapShape(g, g.Cin), dtype: g.dtype });
    return specs;
  },
  backwardOps: [MultiTokenAttentionBackwardOp],
  grad: ({ inputs: [scores, weight, bias], outputs: [out, probs], grads: [g], attrs }) => {
    if (!g) return [null, null, null];
    const post = attrs.geometry.mode === 'post';
    const inputs = !post ? [g, out!, scores!, weight!] : attrs.savesMap === false ? [g, scores!, weight!] : [g, probs!, weight!];
    const [dS, dW, dB] = runOp(MultiTokenAttentionBackwardOp, inputs, attrs);
    return [dS!, dW!, bias ? dB! : null];
  },
});

export interface AxisAttrs { readonly axis: number }

/** Sparsemax VJP: on the support (y > 0) dx = g - mean over the support of g; 0 elsewhere. Inputs (y, g). */
export const SparsemaxBackwardOp = defineOp<AxisAttrs>({
  name: 'SparsemaxBackward',
  role: 'backward',
  differentiable: false,
  infer: ([y]) => [{ shape: y!.shape, dtype: y!.dtype }],
});

/** Sparsemax (Martins & Astudillo 2016): the Euclidean projection onto the simplex, along one axis. */
export const SparsemaxOp = defineOp<AxisAttrs>({
  name: 'Sparsemax',
  infer: ([x]) => {
    if (x!.dtype !== 'float32' && x!.dtype !== 'float64') {
      throw new MtaArgumentError('sparsemax', 'x', 'a float32 or float64 tensor', x!.describe(), "cast with .cast('float32')");
    }
    return [{ shape: x!.shape, dtype: x!.dtype }];
  },
  backwardOps: [SparsemaxBackwardOp],
  grad: ({ outputs: [y], grads: [g], attrs }) => [runOp1(SparsemaxBackwardOp, [y!, g!], attrs)],
});

export function sparsemax(x: Tensor, axis = -1): Tensor {
  requireTensor('sparsemax', 'x', x, 'of float32 or float64 scores');
  // core's normalizeAxis would throw a plain RangeError; the op's own error names the call.
  if (!Number.isInteger(axis) || axis < -x.ndim || axis >= Math.max(x.ndim, 1)) {
    throw new MtaArgumentError('sparsemax', 'axis', `an integer in [${-x.ndim}, ${x.ndim - 1}] for ${x.describe()}`, describeValue(axis),
      'count axes from 0, or from -1 for the last');
  }
  return runOp1(SparsemaxOp, [x], { axis: normalizeAxis(axis, x.ndim) });
}
