import { backward } from './autograd.js';
import { cast } from './ops/elementwise.js';
import { contiguous, expand, permute, reshape, slice, transpose } from './ops/views.js';
import { installTensorOps } from './tensor.js';
import { copyTo, copyToAsync } from './transfer.js';

/**
 * Gives Tensor its op methods (`x.reshape(...)`, `x.to('npu')`, `x.backward()`). Core's index imports
 * this module once; tensor.ts itself imports no op, so core's modules form no import circle.
 */
installTensorOps({ reshape, permute, transpose, slice, expand, contiguous, to: copyTo, toAsync: copyToAsync, cast, backward });
