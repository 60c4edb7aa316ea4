import { describeValue, nn, tensor, type Rng, type Tensor, type DeviceLike, type FloatDType } from '@mta/core';
import { requireOptionFieldsNotNull, requireOptionalOneOf, requireOptions, requirePositiveInteger, requireRng } from './check-args.js';
import { MtaArgumentError } from './errors.js';
import { multiTokenAttention } from './mta.js';
import { resolvePads, type MtaOptions } from './options.js';

export interface MtaModuleOptions extends Omit<MtaOptions, 'impl'> {
  readonly kernelSize?: number | readonly [number, number];
  readonly bias?: boolean;
  /** 'kaiming' (Liger's default: kaiming-uniform a = sqrt 5, zero bias) or 'identity' (the paper's: MTA starts as plain attention). */
  readonly init?: 'kaiming' | 'identity';
  readonly device?: DeviceLike;
  readonly dtype?: FloatDType;
}

const WHERE = 'MultiTokenAttention';

/**
 * The MTA layer with Liger-Kernel's defaults: stride 1, padding 0, dilation 1, groups 1, bias, softmax.
 * Its parameters are Liger's too, by name and layout (`weight` [Cout, Cin/groups, kH, kW], `bias` [Cout]),
 * so a PyTorch state dict of LigerMultiTokenAttention loads with core's loadStateDict as it is.
 */
export class MultiTokenAttention extends nn.Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly options: MtaOptions;
  /** exportOnnx's default: batch and sequence length dynamic, channels fixed by the weight. */
  readonly onnxDynamicAxes = [{ 0: 'batch', 2: 'L', 3: 'L' }] as const;

  constructor(readonly inChannels: number, readonly outChannels: number, rng: Rng, options: MtaModuleOptions = {}) {
    super();
    requirePositiveInteger(WHERE, 'inChannels', inChannels);
    requirePositiveInteger(WHERE, 'outChannels', outChannels);
    requireRng(WHERE, 'rng', rng);
    requireOptions(WHERE, 'options', options);
    requireOptionFieldsNotNull(WHERE, options);
    requireOptionalOneOf(WHERE, 'options.bias', options.bias, [true, false]);
    requireOptionalOneOf(WHERE, 'options.init', options.init, ['kaiming', 'identity']);
    const k = options.kernelSize ?? 3;
    const [kH, kW] = typeof k === 'number' ? [k, k] : Array.isArray(k) && k.length === 2 ? k : [NaN, NaN];
    for (const [name, v] of [['kH', kH], ['kW', kW]] as const) {
      if (!Number.isInteger(v) || v < 1) {
        throw new MtaArgumentError(WHERE, 'options.kernelSize', 'a positive integer or a pair [kH, kW] of them', describeValue(k), `fix ${name}; e.g. 3 or [3, 5]`);
      }
    }
    const groups = options.groups ?? 1;
    requirePositiveInteger(WHERE, 'options.groups', groups);
    const shape = [outChannels, inChannels / groups, kH, kW];
    if (!Number.isInteger(shape[1]) || outChannels % groups !== 0) {
      throw new MtaArgumentError(WHERE, 'options.groups', `a divisor of inChannels=${inChannels} and outChannels=${outChannels}`, String(groups),
        'use a groups value that divides both channel counts');
    }
    const init = { device: options.device, dtype: options.dtype };
    const weight = options.init === 'identity'
      ? identityKernel(shape as [number, number, number, number], groups, options, init)
      : nn.kaimingUniform(rng, shape, Math.sqrt(5), init);
    this.weight = this.registerParameter('weight', weight);
    this.bias = options.bias === false ? null
      : this.registerParameter('bias', tensor(new Float32Array(outChannels), [outChannels], { ...init, dtype: options.dtype ?? 'float32' }));
    const { kernelSize: _k, bias: _b, init: _i, device: _d, dtype: _t, ...opts } = options;
    this.options = opts;
  }

  forward(scores: Tensor, impl: MtaOptions['impl'] = 'auto'): Tensor {
    return multiTokenAttention(scores, this.weight, this.bias, { ...this.options, impl });
  }
}

/**
 * 1 at the tap that maps each (i, j) onto itself, 0 elsewhere: out channel o copies input channel
 * o * (Cin/groups) / (Cout/groups) of its group. The tap is the one that reads offset 0 after padding.
 */
function identityKernel(shape: [number, number, number, number], groups: number, options: MtaModuleOptions,
  init: { device?: DeviceLike; dtype?: FloatDType }): Tensor {
  const [cout, cinPerGroup, kH, kW] = shape;
  const dil = options.dilation ?? 1;
  const [dH, dW]: [number, number] = typeof dil === 'number' ? [dil, dil] : [dil[0], dil[1]];
  // The same pads the op will use ('causal' pads (kH - 1) * dH rows, so the dilation must be in here).
  const [top, , left] = resolvePads(options.padding ?? 0, kH, kW, [dH, dW]);
  const row = top / dH;
  const col = left / dW;
  if (!Number.isInteger(row) || !Number.isInteger(col) || row >= kH || col >= kW) {
    throw new MtaArgumentError(WHERE, 'options.init', `'kaiming', or 'identity' with a top pad a multiple of dH and a left pad a multiple of dW`,
      `'identity' (no identity tap exists for kernel ${kH}x${kW}, dilation ${dH}x${dW}, top pad ${top} and left pad ${left}: ` +
        'the top pad must be a multiple of dH and the left pad of dW)',
      "change the padding or use init 'kaiming'");
  }
  const values = new Float32Array(cout * cinPerGroup * kH * kW);
  const coutPerGroup = cout / groups;
  for (let o = 0; o < cout; o++) {
    const c = Math.floor(((o % coutPerGroup) * cinPerGroup) / coutPerGroup);
    values[((o * cinPerGroup + c) * kH + row) * kW + col] = 1;
  }
  return tensor(values, shape, { device: init.device, dtype: init.dtype ?? 'float32' });
}
