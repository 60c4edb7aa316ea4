import type { Tensor } from '../tensor.js';
import { formatShape } from '../shape.js';
import { cast, equal, mul, neg, sub } from './elementwise.js';
import { arange } from './creation.js';
import { mean, sum } from './reduce.js';
import { logSoftmax } from './softmax.js';
import { reshape } from './views.js';

/**
 * Mean cross-entropy of logits (N, C) against int32 class targets (N). Composite: log-softmax, a one-hot
 * mask, a sum; every device that has the primitives has it.
 */
export function crossEntropy(logits: Tensor, targets: Tensor): Tensor {
  if (logits.ndim !== 2) throw new Error(`crossEntropy: logits must be (N, C), got ${logits.describe()}`);
  if (targets.dtype !== 'int32' || targets.ndim !== 1 || targets.shape[0] !== logits.shape[0]) {
    throw new Error(`crossEntropy: targets must be int32 of shape [${logits.shape[0]}], got ${targets.describe()}`);
  }
  const classes = logits.shape[1]!;
  const classIds = reshape(arange(classes, { device: logits.device }), [1, classes]);
  const oneHot = cast(equal(reshape(targets, [targets.shape[0]!, 1]), classIds), logits.dtype);
  return neg(mean(sum(mul(logSoftmax(logits, 1), oneHot), 1)));
}

export function mseLoss(pred: Tensor, target: Tensor): Tensor {
  if (pred.shape.join() !== target.shape.join()) {
    throw new Error(`mseLoss: shapes differ: ${formatShape(pred.shape)} and ${formatShape(target.shape)}`);
  }
  const d = sub(pred, target);
  return mean(mul(d, d));
}
