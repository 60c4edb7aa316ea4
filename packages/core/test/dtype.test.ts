import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits, readElement, writeElement,
} from '../src/index';
import { bfloat16ValueRef, float16ValueRef, nearestBfloat16Bits, nearestFloat16Bits } from '../src/testing/op-suite-reference';

/**
 * Half-precision conversions against brute force: decoding every one of the 65536 patterns with the
 * textbook formula, and encoding by searching all representable values for the nearest (ties to even).
 */
const isNaNBits16 = (b: number): boolean => (b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0;
const isNaNBitsBf16 = (b: number): boolean => (b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0;

describe('float16', () => {
  it('decodes every bit pattern like the IEEE formula', () => {
    const wrong: string[] = [];
    for (let b = 0; b < 0x10000; b++) {
      const expected = float16ValueRef(b), actual = fromFloat16Bits(b);
      if (!Object.is(actual, expected)) wrong.push(`0x${b.toString(16)}: ${actual} vs ${expected}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('round-trips every non-NaN pattern and keeps NaN a NaN', () => {
    const wrong: string[] = [];
    for (let b = 0; b < 0x10000; b++) {
      const back = toFloat16Bits(fromFloat16Bits(b));
      if (isNaNBits16(b) ? !isNaNBits16(back) : back !== b) wrong.push(`0x${b.toString(16)} -> 0x${back.toString(16)}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('encodes float32 values to the nearest pattern, ties to even', () => {
    // Mix of halfway points between neighbours (the tie cases) and arbitrary floats across the range.
    const tie = fc.integer({ min: 0, max: 0x7bfe }).map((b) => Math.fround((float16ValueRef(b) + float16ValueRef(b + 1)) / 2));
    const any = fc.float({ min: -70000, max: 70000, noNaN: true });
    fc.assert(fc.property(fc.oneof(tie, any), fc.boolean(), (v, negate) => {
      const x = negate ? -v : v;
      expect(toFloat16Bits(x)).toBe(nearestFloat16Bits(x));
    }), { numRuns: 400 });
  });
});

describe('bfloat16', () => {
  it('round-trips every non-NaN pattern and decodes like the top half of a float32', () => {
    const wrong: string[] = [];
    for (let b = 0; b < 0x10000; b++) {
      const v = fromBfloat16Bits(b);
      const ok = isNaNBitsBf16(b) ? Number.isNaN(v) && isNaNBitsBf16(toBfloat16Bits(v)) : Object.is(v, bfloat16ValueRef(b)) && toBfloat16Bits(v) === b;
      if (!ok) wrong.push(`0x${b.toString(16)}: ${v}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('encodes to the nearest pattern, ties to even', () => {
    const tie = fc.integer({ min: 0, max: 0x7f7e }).map((b) => Math.fround((bfloat16ValueRef(b) + bfloat16ValueRef(b + 1)) / 2));
    const any = fc.float({ min: Math.fround(-1e30), max: Math.fround(1e30), noNaN: true });
    fc.assert(fc.property(fc.oneof(tie, any), (x) => {
      expect(toBfloat16Bits(x)).toBe(nearestBfloat16Bits(x));
    }), { numRuns: 400 });
  });
});

describe('float64 straight to half, one rounding', () => {
  it('encodes any double to the nearest float16 pattern, including values a hair off a tie', () => {
    // Just above or below a halfway point: rounding through float32 first would land on the tie and pick even.
    const nearTie = fc.tuple(fc.integer({ min: 0, max: 0x7bfe }), fc.constantFrom(-1, 1), fc.integer({ min: 30, max: 45 }))
      .map(([b, side, k]) => { const mid = (float16ValueRef(b) + float16ValueRef(b + 1)) / 2; return mid + side * mid * 2 ** -k; });
    const any = fc.double({ min: -70000, max: 70000, noNaN: true });
    fc.assert(fc.property(fc.oneof(nearTie, any), (x) => {
      expect(toFloat16Bits(x)).toBe(nearestFloat16Bits(x));
    }), { numRuns: 400 });
  });

  it('does not double-round through float32 (the values where that would differ)', () => {
    const f16 = 1 + 2 ** -11 + 2 ** -40; // above the 1 / 1+2^-10 tie; float32 would drop 2^-40 and make it a tie
    expect(Math.fround(f16)).toBe(1 + 2 ** -11);
    expect(toFloat16Bits(f16)).toBe(0x3c01);
    const bf16 = 1 + 2 ** -8 + 2 ** -40; // the same for bfloat16's 1 / 1+2^-7 tie
    expect(toBfloat16Bits(bf16)).toBe(0x3f81);
    expect(toBfloat16Bits(-bf16)).toBe(0xbf81);
    const below = 1 + 2 ** -8 - 2 ** -40;
    expect(toBfloat16Bits(below)).toBe(0x3f80);
  });

  it('writeElement rounds a float64 once as well', () => {
    const cell = new Uint16Array(1);
    writeElement('float16', cell, 0, 1 + 2 ** -11 + 2 ** -40);
    expect(cell[0]).toBe(0x3c01);
  });
});

describe('readElement / writeElement', () => {
  it('encode half types, store bools as 0/1 and leave other dtypes alone', () => {
    const halves = new Uint16Array(2);
    writeElement('float16', halves, 0, 1 / 3);
    writeElement('bfloat16', halves, 1, 1 / 3);
    expect(halves[0]).toBe(0x3555);
    expect(halves[1]).toBe(0x3eab);
    expect(readElement('float16', halves, 0)).toBeCloseTo(1 / 3, 3);
    const flags = new Uint8Array(1);
    writeElement('bool', flags, 0, -2);
    expect(flags[0]).toBe(1);
    const ints = new Int32Array(1);
    writeElement('int32', ints, 0, -7.9);
    expect(ints[0]).toBe(-7);
  });
});
