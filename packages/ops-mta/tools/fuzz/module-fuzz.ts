/**
 * The fuzz of the MultiTokenAttention layer (part of `pnpm fuzz`): constructor arguments of every kind
 * (valid sizes and options, wrong types, nulls, divisibility and identity-init mismatches) and a forward call.
 * Each is a named error or a forward that matches multiTokenAttention on the cpu in float64 with the layer's
 * own weight and bias.
 */
import fc from 'fast-check';
import { Rng, mulberry32, noGrad, tensor, tidy } from '@mta/core';
import { MultiTokenAttention, multiTokenAttention, type MtaModuleOptions } from '../../src/index.js';
import { FuzzFailure, classifyError, host, type FuzzCounts, type FuzzDevice } from './mta-fuzz.js';

export interface ModuleCase {
  readonly inChannels: unknown;
  readonly outChannels: unknown;
  readonly rng: 'rng' | 'null' | 'number';
  readonly options: unknown;
  readonly L: number;
  readonly B: number;
  readonly seed: number;
  /** The layer's `device` option, added when the options are an object (other options never build a layer). */
  readonly device: FuzzDevice;
}

const kernelSize = fc.oneof(
  { weight: 6, arbitrary: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('3', [3], 0, -1, 2.5, null) },
);

const options: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: fc.record({
    kernelSize,
    bias: fc.oneof({ weight: 6, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom<unknown>('no', 1, null) }),
    init: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('kaiming', 'identity') }, { weight: 1, arbitrary: fc.constantFrom<unknown>('xavier', null, 3) }),
    padding: fc.oneof({ weight: 6, arbitrary: fc.constant('causal') }, { weight: 1, arbitrary: fc.constantFrom<unknown>(1, [1, 1], 'same', null) }),
    mode: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('post', 'pre') }, { weight: 1, arbitrary: fc.constantFrom<unknown>('mid', null) }),
    sparse: fc.oneof({ weight: 6, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom<unknown>('yes', 0) }),
    groups: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(1, 2) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(0, '2', 1.5) }),
  }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, 'causal', 3, [1]) },
);

const channels = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(1, 2, 4) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -2, 1.5, '4', null) });

export const moduleCaseOn = (devices: readonly FuzzDevice[]): fc.Arbitrary<ModuleCase> => fc.record({
  inChannels: channels,
  outChannels: channels,
  rng: fc.oneof({ weight: 12, arbitrary: fc.constant('rng' as const) }, { weight: 1, arbitrary: fc.constantFrom('null' as const, 'number' as const) }),
  options,
  L: fc.integer({ min: 1, max: 7 }),
  B: fc.integer({ min: 1, max: 2 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  // A single device draws nothing, so the host fuzz's cases (and seeds) stay what they were.
  device: devices.length === 1 ? fc.constant(devices[0]!) : fc.constantFrom(...devices),
});

export const moduleCase: fc.Arbitrary<ModuleCase> = moduleCaseOn(['cpu']);

export async function checkModuleCase(c: ModuleCase, counts?: FuzzCounts): Promise<'match' | 'named-error'> {
  const rng = { rng: new Rng(c.seed), null: null, number: 7 }[c.rng];
  type Ctor = new (i: unknown, o: unknown, r: unknown, opts: unknown) => MultiTokenAttention;
  const options = c.options !== null && typeof c.options === 'object' && !Array.isArray(c.options) ? { ...c.options, device: c.device } : c.options;
  let result: { got: Float64Array; want: Float64Array } | null;
  try {
    const layer = new (MultiTokenAttention as unknown as Ctor)(c.inChannels, c.outChannels, rng, options);
    try {
      const rand = mulberry32(c.seed);
      const Cin = layer.inChannels;
      const x = Float64Array.from({ length: c.B * Cin * c.L * c.L }, () => rand() * 4 - 2);
      // The input on the layer's device; its forward read back (asynchronously on webgpu), then the
      // reference from the layer's own weight and bias on the cpu in float64.
      const out = noGrad(() => tidy(() => layer.forward(tensor(x, [c.B, Cin, c.L, c.L], { dtype: 'float32', device: layer.weight.device }))));
      let got: Float64Array, weight: Float64Array, bias: Float64Array | null;
      try {
        [got, weight, bias] = await Promise.all([host(out), host(layer.weight), layer.bias ? host(layer.bias) : null]);
      } finally {
        out.dispose();
      }
      const opts = (c.options ?? {}) as MtaModuleOptions;
      const want = noGrad(() => tidy(() => Float64Array.from(multiTokenAttention(tensor(x, [c.B, Cin, c.L, c.L], { dtype: 'float64' }),
        tensor(weight, [...layer.weight.shape], { dtype: 'float64' }), bias ? tensor(bias, [bias.length], { dtype: 'float64' }) : null,
        { mode: opts.mode, sparse: opts.sparse, padding: opts.padding, dilation: opts.dilation, groups: opts.groups, impl: 'fused' }).toNumbers())));
      result = { got, want };
    } finally {
      for (const p of layer.parameters()) p.dispose();
    }
  } catch (error) {
    return classifyError(error, counts);
  }
  const { got, want } = result!;
  for (let k = 0; k < want.length; k++) {
    if (!(Math.abs(got[k]! - want[k]!) <= 1e-5 * Math.max(1, Math.abs(want[k]!)))) {
      throw new FuzzFailure(`MultiTokenAttention ${JSON.stringify(c)}: element ${k} is ${got[k]}, cpu float64 ${want[k]}`);
    }
  }
  if (counts) counts.match++;
  return 'match';
}
