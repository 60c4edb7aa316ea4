import { describe, expect, it } from 'vitest';
import { memoizeShaderSource } from '../src/shader-source.js';

describe('memoizeShaderSource', () => {
  const build = (calls: number[]) => (size: number, opts: { readonly wide: boolean }) => {
    calls.push(size);
    return `const N: u32 = ${size}u; // ${opts.wide ? 'wide' : 'narrow'}\n`.repeat(2);
  };

  it('builds a source once per distinct arguments and hands back that string', () => {
    const calls: number[] = [];
    const source = memoizeShaderSource(build(calls));
    const a = source(8, { wide: true });
    const b = source(8, { wide: true });
    expect(b).toBe(a);
    expect(calls).toEqual([8]);
  });

  it('keys on every argument, nested fields included', () => {
    const calls: number[] = [];
    const source = memoizeShaderSource(build(calls));
    const wide = source(8, { wide: true });
    const narrow = source(8, { wide: false });
    expect(narrow).not.toBe(wide);
    expect(narrow).toContain('narrow');
    expect(source(16, { wide: true })).toContain('16u');
    expect(calls).toEqual([8, 8, 16]);
  });

  it('keeps at most `capacity` sources, dropping the least recently used', () => {
    const calls: number[] = [];
    const source = memoizeShaderSource(build(calls), 2);
    source(1, { wide: true });
    source(2, { wide: true });
    source(1, { wide: true }); // 1 is now the most recent
    source(3, { wide: true }); // evicts 2
    source(1, { wide: true });
    source(2, { wide: true });
    expect(calls).toEqual([1, 2, 3, 2]);
  });
});
