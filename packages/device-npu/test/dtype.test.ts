import { describe, expect, it } from 'vitest';
import {
  decodeHalf, encodeHalf, fromBfloat16Bits, fromFloat16Bits, roundToDType, toBfloat16Bits, toFloat16Bits,
} from '../src/index';
import { mulberry32 as rng } from '@mta/core';

/** Independent reference: nearest representable value by search over every finite pattern, ties to even bits. */
function sortedFinite(decode: (h: number) => number): { values: Float64Array; bits: Uint16Array } {
  const pairs: Array<[number, number]> = [];
  for (let h = 0; h < 65536; h++) {
    const v = decode(h);
    if (Number.isFinite(v) && !(v === 0 && h !== 0)) pairs.push([v, h]); // keep +0 only
  }
  pairs.sort((a, b) => a[0] - b[0]);
  return { values: Float64Array.from(pairs.map((p) => p[0])), bits: Uint16Array.from(pairs.map((p) => p[1])) };
}

function nearestBits(x: number, table: { values: Float64Array; bits: Uint16Array }, maxFinite: number, halfUlpAtMax: number): number {
  const { values, bits } = table;
  if (Math.abs(x) >= maxFinite + halfUlpAtMax) return x > 0 ? 0x7c00 : 0xfc00; // caller adjusts for bf16
  let lo = 0;
  let hi = values.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const dl = Math.abs(x - values[lo]!);
  const dh = Math.abs(values[hi]! - x);
  if (dl < dh) return bits[lo]!;
  if (dh < dl) return bits[hi]!;
  // Tie: the pattern with an even mantissa (low bit 0).
  return (bits[lo]! & 1) === 0 ? bits[lo]! : bits[hi]!;
}

describe('float16 conversion', () => {
  it('round-trips every finite pattern', () => {
    for (let h = 0; h < 65536; h++) {
      const v = fromFloat16Bits(h);
      if (Number.isNaN(v)) continue;
      expect(toFloat16Bits(v)).toBe(h);
    }
  });

  it('matches a brute-force nearest-even search on random doubles and float32 values', () => {
    const table = sortedFinite(fromFloat16Bits);
    const next = rng(42);
    for (let k = 0; k < 20000; k++) {
      const mag = 2 ** (Math.floor(next() * 44) - 28);
      let x = (next() * 2 - 1) * mag;
      if (k % 2 === 0) x = Math.fround(x);
      const want = nearestBits(Math.abs(x), table, 65504, 16) | (x < 0 ? 0x8000 : 0);
      expect(toFloat16Bits(x)).toBe(want);
    }
  });

  it('rounds ties to even, overflows to infinity at 65520, keeps subnormals', () => {
    expect(fromFloat16Bits(toFloat16Bits(1 + 2 ** -11))).toBe(1); // halfway 1 and 1+2^-10: even is 1
    expect(fromFloat16Bits(toFloat16Bits(1 + 3 * 2 ** -11))).toBe(1 + 2 * 2 ** -10); // halfway, even is upper
    expect(fromFloat16Bits(toFloat16Bits(65504))).toBe(65504);
    expect(fromFloat16Bits(toFloat16Bits(65519.99))).toBe(65504);
    expect(fromFloat16Bits(toFloat16Bits(65520))).toBe(Infinity);
    expect(fromFloat16Bits(toFloat16Bits(2 ** -24))).toBe(2 ** -24);
    expect(fromFloat16Bits(toFloat16Bits(2 ** -25))).toBe(0); // tie with 0: even
    expect(fromFloat16Bits(toFloat16Bits(1.5 * 2 ** -24))).toBe(2 * 2 ** -24); // tie: even is 2 units
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN)))).toBe(true);
    expect(fromFloat16Bits(toFloat16Bits(-Infinity))).toBe(-Infinity);
  });

  it('rounds a double once, not twice through float32', () => {
    // x sits just above the float16 midpoint 1 + 2^-11 by less than a float32 ulp: double rounding would tie to 1.
    const x = 1 + 2 ** -11 + 2 ** -40;
    expect(Math.fround(x)).toBe(1 + 2 ** -11);
    expect(fromFloat16Bits(toFloat16Bits(x))).toBe(1 + 2 ** -10);
  });
});

describe('bfloat16 conversion', () => {
  it('round-trips every finite pattern and matches brute force on random values', () => {
    for (let h = 0; h < 65536; h++) {
      const v = fromBfloat16Bits(h);
      if (Number.isNaN(v)) continue;
      expect(toBfloat16Bits(v)).toBe(h);
    }
    const table = sortedFinite(fromBfloat16Bits);
    const next = rng(7);
    for (let k = 0; k < 20000; k++) {
      const x = Math.fround((next() * 2 - 1) * 2 ** (Math.floor(next() * 200) - 100));
      const want = nearestBits(Math.abs(x), table, Infinity, 0) | (x < 0 ? 0x8000 : 0);
      expect(toBfloat16Bits(x)).toBe(want);
    }
  });

  it('rounds ties to even', () => {
    expect(fromBfloat16Bits(toBfloat16Bits(1 + 2 ** -8))).toBe(1);
    expect(fromBfloat16Bits(toBfloat16Bits(1 + 3 * 2 ** -8))).toBe(1 + 2 ** -6);
  });
});

describe('bulk encode/decode', () => {
  it('agrees with the scalar conversions', () => {
    const next = rng(3);
    const src = Float32Array.from({ length: 1000 }, () => (next() - 0.5) * 1000);
    for (const dtype of ['float16', 'bfloat16'] as const) {
      const bits = new Uint16Array(1000);
      encodeHalf(dtype, src, 0, bits, 0, 1000);
      const back = new Float32Array(1000);
      decodeHalf(dtype, bits, 0, back, 0, 1000);
      for (let i = 0; i < 1000; i++) expect(back[i]).toBe(roundToDType(dtype, src[i]!));
    }
  });
});
