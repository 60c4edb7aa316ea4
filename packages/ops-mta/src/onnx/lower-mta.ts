import { onnxAttr, type OnnxGraphBuilder } from '@mta/core';
import { MASKED_SCORE, type MtaConfig, type MtaShape, type Pads4 } from '../config.js';
import { causalKeepMask } from './causal-mask.js';
import { lowerSparsemax } from './sparsemax.js';

/** Our pads are [top, bottom, left, right]; ONNX Conv wants all begins then all ends: [top, left, bottom, right]. */
export function toOnnxConvPads(pads: Pads4): [number, number, number, number] {
  const [top, bottom, left, right] = pads;
  return [top, left, bottom, right];
}

function checkLowerable(shape: MtaShape, config: MtaConfig): void {
  const { L, kH, kW, Cin, Cout } = shape;
  const [top, bottom, left, right] = config.pads;
  const [dh, dw] = config.dilation;
  const outH = L + top + bottom - dh * (kH - 1);
  const outW = L + left + right - dw * (kW - 1);
  if (outH !== L || outW !== L) {
    throw new RangeError(
      `lowerMta: the convolution must keep the L x L grid (L = ${L}), but pads [${config.pads.join(', ')}] ` +
        `(top, bottom, left, right), kernel ${kH}x${kW} and dilation [${dh}, ${dw}] give ${outH} x ${outW}; ` +
        'choose pads with top + bottom = dh*(kH-1) and left + right = dw*(kW-1).',
    );
  }
  if (Cin % config.groups !== 0 || Cout % config.groups !== 0) {
    throw new RangeError(`lowerMta: groups (${config.groups}) must divide Cin (${Cin}) and Cout (${Cout}).`);
  }
}

function softmaxOrSparsemax(g: OnnxGraphBuilder, x: string, sparse: boolean, L: number): string {
  // Softmax's meaning changed at opset 13; an explicit axis keeps it per row everywhere.
  return sparse ? lowerSparsemax(g, x, -1, L) : g.op('Softmax', [x], { axis: onnxAttr.int(-1) });
}

/**
 * Lowers one multi-token attention call to ONNX, with the semantics of the golden data:
 *  - post: P = softmax|sparsemax(S with j>i := -1e9); O = conv(pad(P), W, b) with j>i := 0
 *  - pre:  C = conv(pad(S with j>i := 0), W, b);     O = softmax|sparsemax(C with j>i := -1e9)
 * Masking always uses Where, never Add/Mul: masked scores may be NaN, and Where drops them while
 * NaN + -1e9 or NaN * 0 would stay NaN. The mask value is finite (-1e9) so no 0 * -inf appears.
 * `scores` is (B, Cin, L, L) float32 (B may be dynamic), `weight` (Cout, Cin/groups, kH, kW),
 * `bias` (Cout) or null. Returns the name of O (B, Cout, L, L).
 */
export function lowerMta(
  g: OnnxGraphBuilder,
  scoresName: string,
  weightName: string,
  biasName: string | null,
  shape: MtaShape,
  config: MtaConfig,
): string {
  for (const [what, name] of [['scores', scoresName], ['weight', weightName], ['bias', biasName]] as const) {
    if (name !== null && !g.hasValue(name)) {
      throw new RangeError(`lowerMta: ${what} '${name}' is not a value of this graph; add it as an input or initializer first.`);
    }
  }
  checkLowerable(shape, config);
  return g.scope('mta', () => {
    const keep = causalKeepMask(g, shape.L);
    const masked = g.memo(`f32/${MASKED_SCORE}`, () => g.constFloat(MASKED_SCORE, undefined, 'masked_score'));
    const zero = g.memo('f32/0', () => g.constFloat(0, undefined, 'zero'));
    const conv = (x: string): string =>
      g.op('Conv', biasName === null ? [x, weightName] : [x, weightName, biasName], {
        kernel_shape: onnxAttr.ints([shape.kH, shape.kW]),
        pads: onnxAttr.ints(toOnnxConvPads(config.pads)),
        dilations: onnxAttr.ints([...config.dilation]),
        strides: onnxAttr.ints([1, 1]),
        group: onnxAttr.int(config.groups),
      });

    if (config.mode === 'post') {
      const probs = softmaxOrSparsemax(g, g.op('Where', [keep, scoresName, masked]), config.sparse, shape.L);
      return g.op('Where', [keep, conv(probs), zero]);
    }
    const mixed = conv(g.op('Where', [keep, scoresName, zero]));
    return softmaxOrSparsemax(g, g.op('Where', [keep, mixed, masked]), config.sparse, shape.L);
  });
}
