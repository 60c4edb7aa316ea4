import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@mta/core';
import { DEFAULT_NPU_SPEC, configureNpu, currentNpuSpec, makeNpuSpec, parseByteSize, ubBytesFromEnv } from '../src/index';

describe('parseByteSize', () => {
  it.each([
    ['196608', 196608],
    ['192KiB', 196608],
    ['16KiB', 16384],
    ['16 KiB', 16384],
    ['192K', 196608],
    ['1.5MiB', 1572864],
    ['24576B', 24576],
    ['1572864bits', 196608],
    ['196608bits', 24576],
    ['2kB', 2000],
  ])('%s -> %d bytes', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each(['', 'abc', '12parsecs', '-5', '3bits', '0'])('rejects %j with a message naming the input', (text) => {
    expect(() => parseByteSize(text, '--ub')).toThrow(/--ub/);
  });
});

describe('NpuSpec', () => {
  it('defaults to the 910B4 preset: a 192 KiB UB, 32-byte alignment and 40 vector cores', () => {
    const s = makeNpuSpec({ env: {} });
    expect(s.ubBytes).toBe(196608);
    expect(s.alignmentBytes).toBe(32);
    expect(s.vectorCores).toBe(40);
    expect(s.soc).toBe('910B4');
    expect(DEFAULT_NPU_SPEC.ubBytes * 8).toBe(1572864);
  });

  it('reads ASCEND_UB_CAPACITY_BITS in bits, and an explicit ub wins over it', () => {
    expect(ubBytesFromEnv({ ASCEND_UB_CAPACITY_BITS: '196608' })).toBe(24576);
    expect(ubBytesFromEnv({})).toBeUndefined();
    expect(makeNpuSpec({ env: { ASCEND_UB_CAPACITY_BITS: '196608' } }).ubBytes).toBe(24576);
    expect(makeNpuSpec({ ub: '16KiB', env: { ASCEND_UB_CAPACITY_BITS: '196608' } }).ubBytes).toBe(16384);
    expect(() => ubBytesFromEnv({ ASCEND_UB_CAPACITY_BITS: '12.5' })).toThrow(/ASCEND_UB_CAPACITY_BITS/);
  });

  it('accepts ubBytes (undefined meaning not given) and ignores options explicitly set to undefined', () => {
    expect(makeNpuSpec({ ubBytes: 16384, env: {} }).ubBytes).toBe(16384);
    expect(makeNpuSpec({ ubBytes: undefined, vectorCores: undefined, env: {} })).toEqual(DEFAULT_NPU_SPEC);
    expect(() => makeNpuSpec({ ub: '16KiB', ubBytes: 16384, env: {} })).toThrow(/not both/);
  });

  it('configureNpu sets the process-wide spec', () => {
    expect(configureNpu({ ub: '16KiB', vectorCores: 40, env: {} })).toBe(currentNpuSpec());
    expect(currentNpuSpec().ubBytes).toBe(16384);
    expect(currentNpuSpec().vectorCores).toBe(40);
  });

  it('rejects a UB that is not a multiple of the alignment', () => {
    expect(() => makeNpuSpec({ ub: 1000, env: {} })).toThrow(/multiple of the 32-byte alignment/);
  });
});

describe('NpuSpec validation names the argument (issue 13, items 1 and 5)', () => {
  it('refuses an alignment that is not a whole number of float32 words, at configuration', () => {
    // Before: alignmentBytes 6 was accepted and kernels read buffers at fractional word offsets.
    for (const alignmentBytes of [6, 2, 30]) {
      expect(() => makeNpuSpec({ alignmentBytes, ub: 196608 - (196608 % alignmentBytes), env: {} })).toThrow(InvalidArgumentError);
      expect(() => configureNpu({ alignmentBytes, ub: 196608 - (196608 % alignmentBytes), env: {} }))
        .toThrow(new RegExp(`NpuSpec\\.alignmentBytes: expected a positive multiple of 4 bytes.*got ${alignmentBytes}; use a multiple of 4`));
    }
    expect(makeNpuSpec({ alignmentBytes: 4, env: {} }).alignmentBytes).toBe(4);
    configureNpu({ env: {} });
  });

  it('names ASCEND_UB_CAPACITY_BITS, what it expects and what it got', () => {
    expect(() => makeNpuSpec({ env: { ASCEND_UB_CAPACITY_BITS: 'abc' } })).toThrow(InvalidArgumentError);
    expect(() => makeNpuSpec({ env: { ASCEND_UB_CAPACITY_BITS: 'abc' } }))
      .toThrow(/environment variable ASCEND_UB_CAPACITY_BITS: expected a positive whole number of bits.*got "abc"/);
  });
});
