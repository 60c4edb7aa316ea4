import { onnxAttr, type OnnxGraphBuilder } from '@mta/core';
import { MASKED_SCORE, type Pads4 } from '../config.js';
import type { MtaGeometry } from '../geometry.js';
import { causalKeepMask } from './causal-mask.js';
import { lowerSparsemax } from './sparsemax.js';

/** Our pads are [top, bottom, left, right]; ONNX Conv wants all begins then all ends: [top, left, bottom, right]. */
export function toOnnxConvPads(pads: Pads4): [number, number, number, number] {
  const [top, bottom, left, right] = pads;
  return [top, left, bottom, right];
}

function softmaxOrSparsemax(g: OnnxGraphBuilder, x: string, sparse: boolean): string {
  // Softmax's meaning changed at opset 13; an explicit axis keeps it per row everywhere. Sparsemax takes
  // its row length from Shape(x), so L may be dynamic.
  return sparse ? lowerSparsemax(g, x, -1) : g.op('Softmax', [x], { axis: onnxAttr.int(-1) });
}

/**
 * Lowers one multi-token attention call to ONNX, with the semantics of the golden data:
 *  - post: P = softmax|sparsemax(S with j>i := -inf) with j>i := 0; O = conv(pad(P), W, b) with j>i := 0
 *  - pre:  C = conv(pad(S with j>i := 0), W, b);     O = softmax|sparsemax(C with j>i := -inf) with j>i := 0
 * Masking always uses Where, never Add/Mul: masked scores may be NaN, and Where drops them while
 * NaN + -inf or NaN * 0 would stay NaN. The fill is -inf (MASKED_SCORE), so masked entries are excluded
 * exactly at any score size; every row keeps its diagonal, so its max stays finite.
 * `scores` is (B, Cin, L, L) float32 (B and L may be dynamic: every L-sized mask comes from Shape(scores)),
 * `weight` (Cout, Cin/groups, kH, kW),
 * `bias` (Cout) or null, as `geometry` (validated by mtaGeometry) describes them; the lowering reads
 * kernel, pads, dilation, groups, mode and activation from it and checks nothing it already checked.
 * Returns the name of O (B, Cout, L, L).
 */
export function lowerMta(
  g: OnnxGraphBuilder,
  scoresName: string,
  weightName: string,
  biasName: string | null,
  geometry: MtaGeometry,
): string {
  for (const [what, name] of [['scores', scoresName], ['weight', weightName], ['bias', biasName]] as const) {
    if (name !== null && !g.hasValue(name)) {
      throw new RangeError(`lowerMta: ${what} '${name}' is not a value of this graph; add it as an input or initializer first.`);
    }
  }
  if ((biasName !== null) !== geometry.hasBias) {
    throw new RangeError(`lowerMta: bias: expected ${geometry.hasBias ? 'a bias value (the geometry has a bias)' : 'null (the geometry has no bias)'}, ` +
      `got ${biasName === null ? 'null' : `'${biasName}'`}; build the geometry with hasBias matching the call.`);
  }
  return g.scope('mta', () => {
    const { L, kH, kW, sparse } = geometry;
    const keep = causalKeepMask(g, scoresName, L);
    const masked = g.memo(`f32/${MASKED_SCORE}`, () => g.constFloat(MASKED_SCORE, undefined, 'masked_score'));
    const zero = g.memo('f32/0', () => g.constFloat(0, undefined, 'zero'));
    const conv = (x: string): string =>
      g.op('Conv', biasName === null ? [x, weightName] : [x, weightName, biasName], {
        kernel_shape: onnxAttr.ints([kH, kW]),
        pads: onnxAttr.ints(toOnnxConvPads(geometry.pads)),
        dilations: onnxAttr.ints([...geometry.dilation]),
        strides: onnxAttr.ints([1, 1]),
        group: onnxAttr.int(geometry.groups),
      });

    // Masked probabilities are exactly 0 even in a row the activation made NaN (as the cpu and npu kernels).
    const activateCausal = (x: string): string => g.op('Where', [keep, softmaxOrSparsemax(g, g.op('Where', [keep, x, masked]), sparse), zero]);
    if (geometry.mode === 'post') return g.op('Where', [keep, conv(activateCausal(scoresName)), zero]);
    return activateCausal(conv(g.op('Where', [keep, scoresName, zero])));
  });
}
