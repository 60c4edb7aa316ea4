import '@mta/ops-mta/register';
import { describe, expect, it } from 'vitest';
import { tensor, zeros, type Tensor } from '@mta/core';
import { MtaArgumentError, multiTokenAttention, npuCallGeometry, mtaGeometry, mtaGeometryOf, type MtaConfig, type MtaGeometry, type MtaOptions, type MtaShape } from '@mta/ops-mta';

/**
 * The one geometry of an MTA call: derived fields, the npu kernels' field names and meanings, frozen,
 * and every rejection an MtaArgumentError naming the argument, the expectation, the actual value and a fix.
 */

/** A dilated, rectangular, grouped, causal call: every derived field differs from its neighbours. */
const SHAPE: MtaShape = { B: 2, Cin: 4, Cout: 6, L: 9, kH: 2, kW: 3 };
const CONFIG: MtaConfig = { mode: 'pre', sparse: true, pads: [2, 0, 3, 3], dilation: [2, 3], groups: 2 };

describe('mtaGeometry derives every field once', () => {
  const g = mtaGeometry(SHAPE, CONFIG, { hasBias: true, dtype: 'float64' });

  it('for a dilated rectangular grouped call', () => {
    expect(g).toEqual({
      B: 2, Cin: 4, Cout: 6, L: 9, kH: 2, kW: 3, groups: 2,
      cig: 2, cog: 3,
      pt: 2, pb: 0, pl: 3, pr: 3, dh: 2, dw: 3,
      ext: 6, // (kW - 1) * dw
      depth: 3, // (kH - 1) * dh + 1
      wElems: 72, // Cout * cig * kH * kW
      mode: 'pre', sparse: true,
      pads: [2, 0, 3, 3], dilation: [2, 3],
      mask: 'causal', hasBias: true, dtype: 'float64',
    } satisfies MtaGeometry);
  });

  it('is frozen, tuples included', () => {
    expect(Object.isFrozen(g)).toBe(true);
    expect(Object.isFrozen(g.pads)).toBe(true);
    expect(Object.isFrozen(g.dilation)).toBe(true);
  });

  it('is the geometry the npu kernels take: passed through as is, or built by the same validation', () => {
    expect(npuCallGeometry(g, g)).toBe(g);
    const plain = npuCallGeometry({ ...SHAPE }, { ...CONFIG }, true);
    const { dtype: _ours, ...rest } = g;
    expect(plain).toMatchObject(rest);
    expect(() => npuCallGeometry({ ...SHAPE, L: 0 }, { ...CONFIG })).toThrow(MtaArgumentError);
  });

  it('is what multiTokenAttention validates its tensors and options into', () => {
    const t = (shape: number[]): Tensor => zeros(shape, { dtype: 'float64' });
    const fromTensors = mtaGeometryOf(t([2, 4, 9, 9]), t([6, 2, 2, 3]), t([6]),
      { mode: 'pre', sparse: true, padding: 'causal', dilation: [2, 3], groups: 2 });
    expect(fromTensors).toEqual(g);
  });
});

interface Rejection {
  readonly label: string;
  readonly shape?: Partial<MtaShape>;
  readonly config?: Partial<MtaConfig>;
  readonly dtype?: string;
  readonly argument: string;
  /** Fragments of `expected` and `actual`. */
  readonly expected: string;
  readonly actual: string;
}

const REJECTIONS: readonly Rejection[] = [
  { label: 'zero L', shape: { L: 0 }, argument: 'shape.L', expected: 'positive integer', actual: '0' },
  { label: 'fractional Cin', shape: { Cin: 2.5 }, argument: 'shape.Cin', expected: 'positive integer', actual: '2.5' },
  { label: 'NaN kW', shape: { kW: Number.NaN }, argument: 'shape.kW', expected: 'positive integer', actual: 'NaN' },
  { label: 'an integer dtype', dtype: 'int32', argument: 'dtype', expected: 'float32, float64', actual: 'int32' },
  { label: 'groups that do not divide Cin', config: { groups: 3 }, argument: 'groups', expected: 'Cin=4', actual: 'groups=3' },
  { label: 'groups that divide Cin but not Cout', shape: { Cout: 5 }, config: { groups: 2 }, argument: 'groups', expected: 'Cout=5', actual: 'groups=2' },
  { label: 'an unknown mode', config: { mode: 'middle' as MtaConfig['mode'] }, argument: 'mode', expected: "'post' or 'pre'", actual: 'middle' },
  { label: 'zero dilation', config: { dilation: [0, 3] }, argument: 'dilation', expected: 'positive integer', actual: '[0,3]' },
  { label: 'negative pads', config: { pads: [-1, 3, 3, 3] }, argument: 'padding', expected: 'non-negative integers', actual: '[-1,3,3,3]' },
  { label: 'pads that do not keep L x L', config: { pads: [1, 0, 3, 3] }, argument: 'padding', expected: '(kH-1)*dH = 2 rows', actual: 'to 8x9' },
  { label: 'sparsemax on float16', dtype: 'float16', argument: 'sparse', expected: 'float32 or float64', actual: 'float16' },
];

describe('mtaGeometry rejects a bad call with a named error', () => {
  for (const r of REJECTIONS) {
    it(r.label, () => {
      const build = () => mtaGeometry({ ...SHAPE, ...r.shape }, { ...CONFIG, ...r.config },
        { hasBias: false, dtype: (r.dtype ?? 'float32') as MtaGeometry['dtype'] });
      expect(build).toThrow(MtaArgumentError);
      try {
        build();
      } catch (error) {
        const e = error as MtaArgumentError;
        expect(e.name).toBe('MtaArgumentError');
        expect(e.where).toBe('mtaGeometry');
        expect(e.argument).toBe(r.argument);
        expect(e.expected).toContain(r.expected);
        expect(e.actual).toContain(r.actual);
        expect(e.fix.length, 'says what to do').toBeGreaterThan(0);
        expect(e.message).toBe(`mtaGeometry: ${e.argument}: expected ${e.expected}, got ${e.actual}; ${e.fix}`);
      }
    });
  }

  it('the op entry point throws the same class, naming itself', () => {
    const call = () => multiTokenAttention(zeros([1, 2, 8, 8]), zeros([2, 2, 3, 3]), null, { padding: 2 });
    expect(call).toThrow(MtaArgumentError);
    expect(call).toThrow(/^multiTokenAttention: padding: expected/);
  });
});

describe('options.impl', () => {
  const scores = () => tensor(new Float32Array(2 * 8 * 8), [1, 2, 8, 8]);
  const weight = () => tensor(new Float32Array(2 * 2 * 3 * 3), [2, 2, 3, 3]);

  it("an unknown impl is a named error, not a silent composite run", () => {
    const call = () => multiTokenAttention(scores(), weight(), null, { padding: 1, impl: 'bogus' as MtaOptions['impl'] });
    expect(call).toThrow(MtaArgumentError);
    expect(call).toThrow(/options\.impl: expected 'auto', 'fused', 'composite', got "bogus"/);
  });

  it('the three known ones run', () => {
    for (const impl of ['auto', 'fused', 'composite'] as const) {
      expect(multiTokenAttention(scores(), weight(), null, { padding: 1, impl }).shape).toEqual([1, 2, 8, 8]);
    }
  });
});
