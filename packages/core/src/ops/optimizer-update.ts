import { defineOp } from '../op.js';
import { isComputeFloat } from '../dtype.js';
import { formatShape } from '../shape.js';

/**
 * One Adam (or AdamW) step for one parameter as a single op, so a device updates a parameter in one kernel
 * instead of a dozen elementwise ones: inputs (p, g, m, v), outputs (p', m', v'). The step's numbers are
 * attributes, not baked into kernels, since the learning rate changes every step. A kernel must round as
 * the elementwise formulation does (each operation in the parameter's dtype, the constants in it too):
 *
 *   g'  = g + p * weightDecay                              (Adam's L2 term, only when !decoupled)
 *   m'  = m * beta1 + g' * (1 - beta1)
 *   v'  = v * beta2 + (g' * g') * (1 - beta2)
 *   dir = (m' / correction1) / (sqrt(v' / correction2) + eps)
 *   p'  = (decoupled ? p * (1 - lr * weightDecay) : p) - dir * lr
 *
 * Not differentiable, never part of a model (an optimizer steps under noGrad), so it has no ONNX lowering.
 */
export interface AdamUpdateAttrs {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** 1 - beta1^t and 1 - beta2^t at step t: the bias corrections. */
  readonly correction1: number;
  readonly correction2: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
}

export const AdamUpdate = defineOp<AdamUpdateAttrs>({
  name: 'AdamUpdate',
  differentiable: false,
  infer: (inputs) => {
    const [p] = inputs;
    if (inputs.length !== 4) throw new Error(`adamUpdate: expected 4 inputs (parameter, gradient, m, v), got ${inputs.length}`);
    if (!isComputeFloat(p!.dtype)) throw new Error(`adamUpdate: the parameter must be float32 or float64, got ${p!.describe()}`);
    inputs.forEach((t, i) => {
      if (t.dtype !== p!.dtype || t.shape.length !== p!.ndim || t.shape.some((d, k) => d !== p!.shape[k])) {
        throw new Error(`adamUpdate: input ${i} ${t.describe()} must match the parameter ${p!.describe()} ` +
          `(shape ${formatShape(p!.shape)}, dtype ${p!.dtype})`);
      }
    });
    return [0, 1, 2].map(() => ({ shape: p!.shape, dtype: p!.dtype }));
  },
});
