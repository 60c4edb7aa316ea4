import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { add, exp, fallbackStats, setFallback, tensor, tidy } from '@mta/core';
import '../src/register';
import { heap, registerTiny } from './support/example-device';

/** The example device of docs/architecture.md runs, and the document shows exactly this file. */
let dispose: () => void;
beforeAll(() => { dispose = registerTiny(); setFallback({ onFirstFallback: null }); });
afterAll(() => dispose());

describe('the example device of docs/architecture.md', () => {
  it('runs its kernel natively, falls back for the rest, and frees what it allocated', () => {
    const before = heap.arrays.size;
    const values = tidy(() => {
      const x = tensor([0, 1, 2], { device: 'tiny' });
      return add(exp(x), x).toNumbers();
    });
    expect(values.map((v) => Number(v.toFixed(5)))).toEqual([1, 3.71828, 9.38906]);
    expect(fallbackStats().get('Add@tiny')).toBe(1);
    expect(fallbackStats().get('Exp@tiny')).toBeUndefined();
    expect(heap.arrays.size).toBe(before);
  });

  it('is quoted verbatim in docs/architecture.md', () => {
    const doc = readFileSync(new URL('../../../docs/architecture.md', import.meta.url), 'utf8');
    const code = readFileSync(new URL('./support/example-device.ts', import.meta.url), 'utf8');
    expect(doc).toContain(code.trim());
  });
});
